/**
 * `wapgate phone send-mms --gateway HOST:PORT --mmsc URL --to +NUMBER [--subject S] FILE...`: builds an m-send-req
 * (multipart/related with a SMIL root) from files, posts it through the gateway, prints the Message-ID.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { COMMON_HELP, COMMON_OPTIONS, commonArgs, guard, parseArgs, phoneRequest, usageError } from '../handset/cli-support.ts';
import { composeSendReq, encodeSendReq, mediaTypeOf, type MmsFile } from '../handset/mms-compose.ts';
import { decodeMms, mmsText } from '../mms/index.ts';

const HELP = `Usage: wapgate phone send-mms --mmsc URL --to +NUMBER [options] FILE...
  --mmsc URL            the MMSC's MM1 URL (e.g. http://127.0.0.1:8002/mms)
  --to ADDR             recipient: +NUMBER, e-mail, or ADDR/TYPE=... (repeatable)
  --cc ADDR             copy recipient (repeatable)
  --subject S           subject (UTF-8)
  --from ADDR           sender address (default: the insert-address token, the gateway supplies the MSISDN)
  --delivery-report     ask for a delivery report
  --read-report         ask for a read report
  --expiry S            seconds the MMSC may keep it
  --max-size OCTETS     refuse to send a bigger m-send-req (default: the profile's MMS limit, else 307200)
  FILE                  parts; types from extensions (.jpg .gif .png .txt .amr .smil ...); TYPE:FILE forces a type
${COMMON_HELP}Prints the Message-ID on stdout; exit status 0 only when X-Mms-Response-Status is Ok.
`;

export async function run(args: string[]): Promise<number> {
  return guard(HELP, async () => {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...COMMON_OPTIONS,
        mmsc: { type: 'string' },
        to: { type: 'string', multiple: true, default: [] },
        cc: { type: 'string', multiple: true, default: [] },
        subject: { type: 'string' },
        from: { type: 'string' },
        'delivery-report': { type: 'boolean', default: false },
        'read-report': { type: 'boolean', default: false },
        expiry: { type: 'string' },
        'max-size': { type: 'string' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (!values.mmsc) throw usageError('phone send-mms: --mmsc URL is required');
    if (values.to.length === 0) throw usageError('phone send-mms: at least one --to');
    if (positionals.length === 0) throw usageError('phone send-mms: at least one FILE');
    const a = commonArgs(values);
    const maxSize = Number(values['max-size'] ?? a.profile.mmsMaxMessageSize ?? 307_200);
    if (!(maxSize > 0)) throw usageError('phone send-mms: bad --max-size');
    const files: MmsFile[] = positionals.map((arg) => {
      const forced = /^([a-z]+\/[\w.+-]+):(.+)$/i.exec(arg);
      const path = forced ? forced[2]! : arg;
      return { name: path, contentType: forced ? forced[1]!.toLowerCase() : mediaTypeOf(path), body: readFileSync(path) };
    });
    const pdu = composeSendReq({
      to: values.to,
      cc: values.cc,
      ...(values.subject !== undefined ? { subject: values.subject } : {}),
      ...(values.from ? { from: values.from } : {}),
      files,
      transactionId: randomBytes(8).toString('hex'),
      mmsVersion: a.profile.mmsVersion ?? '1.2',
      deliveryReport: values['delivery-report'],
      ...(values['read-report'] ? { readReport: true } : {}),
      ...(values.expiry ? { expiry: Number(values.expiry) } : {}),
    });
    let body: Buffer;
    try {
      body = encodeSendReq(pdu, maxSize);
    } catch (e) {
      process.stderr.write(`wapgate phone send-mms: ${(e as Error).message}\n`);
      return 1;
    }
    const r = await phoneRequest(a, { kind: 'post', uri: values.mmsc, contentType: 'application/vnd.wap.mms-message', body });
    if (r.body.length === 0) {
      process.stderr.write(`HTTP ${r.status} (WSP 0x${r.wspStatus.toString(16)}) without an m-send-conf\n`);
      return 1;
    }
    const conf = decodeMms(r.body);
    const h = conf.headers;
    const status = String(h.responseStatus ?? 'none');
    process.stderr.write(
      `${r.status} ${String(conf.messageType)}: X-Mms-Response-Status ${status}` +
        `${h.responseText ? ` (${mmsText(h.responseText)})` : ''}; ${body.length} octets sent\n`,
    );
    if (conf.messageType !== 'm-send-conf' || h.responseStatus !== 'Ok') return 1;
    process.stdout.write(`${h.messageId ?? ''}\n`);
    return 0;
  });
}
