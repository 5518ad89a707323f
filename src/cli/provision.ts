/**
 * `wapgate provision --to MSISDN --settings mms.yaml [--sec userpin --pin 1234] [--ppg URL]`: compiles a settings
 * template (or a PROV/OTA XML file), signs it (ProvBoot) and submits it to a PPG over PAP — or, with --sendota,
 * POSTs the XML to a sendota endpoint (wapgate's or Kannel's smsbox), the way for Nokia/Ericsson OTA settings,
 * which need their own WDP ports. --dry-run prints what would be sent. One JSON line on stdout; exit 0 when the
 * PPG accepted the push (PAP 1001) or sendota answered 202.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { segmentCount } from '../bearer/sms/wdp.ts';
import {
  decodeProvWbxml,
  parseSec,
  parseTemplate,
  ProvError,
  provDatagram,
  pushesFromTemplate,
  pushFromXml,
  type PagePolicy,
  type ProvPush,
  type SecInput,
} from '../prov/index.ts';
import { omaDocument, otaBookmarksDocument, otaSettingsDocument } from '../prov/template.ts';
import { toXml } from '../prov/decode.ts';

const HELP = `Usage: wapgate provision --to MSISDN|IP --settings FILE [options]
  --to MSISDN|IP        the handset: a phone number (+ optional) or its IP address
  --settings FILE       a settings template (.yaml/.yml: apn, auth, mmsc, proxy, browser) or PROV/OTA XML
  --format oma|ota      OMA Client Provisioning (default) or Nokia/Ericsson OTA settings (template only)
  --sec METHOD          userpin (default), netwpin, usernetwpin, userpinmac, or none (unsigned)
  --pin DIGITS          the user PIN (default 1234); for netwpin the IMSI may be given here
  --imsi DIGITS         the subscriber's IMSI (netwpin, usernetwpin)
  --ppg URL             PAP endpoint (default http://127.0.0.1:8080/wappush)
  --sendota URL         POST to a sendota endpoint instead (e.g. http://127.0.0.1:13013/cgi-bin/sendota)
  --user NAME --password PW   PAP Basic credentials, or the sendota user
  --bearer any|sms|ip   required bearer (default any: the PPG chooses)
  --page-policy page0|compact  WBXML attribute code pages (default page0, as Kannel)
  --dry-run             print the document, its size and MAC; send nothing
`;

export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        to: { type: 'string' },
        settings: { type: 'string' },
        format: { type: 'string', default: 'oma' },
        sec: { type: 'string', default: 'userpin' },
        pin: { type: 'string', default: '1234' },
        imsi: { type: 'string' },
        ppg: { type: 'string', default: 'http://127.0.0.1:8080/wappush' },
        sendota: { type: 'string' },
        user: { type: 'string' },
        password: { type: 'string' },
        bearer: { type: 'string', default: 'any' },
        'page-policy': { type: 'string', default: 'page0' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`wapgate provision: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const fail = (msg: string, code = 2) => {
    process.stderr.write(`wapgate provision: ${msg}\n`);
    return code;
  };
  if (!values.to || !values.settings) return fail('--to and --settings are required');
  if (values.format !== 'oma' && values.format !== 'ota') return fail('--format must be oma or ota');
  if (!['any', 'sms', 'ip'].includes(values.bearer)) return fail('--bearer must be any, sms or ip');
  if (values['page-policy'] !== 'page0' && values['page-policy'] !== 'compact') return fail('--page-policy must be page0 or compact');
  const pagePolicy = values['page-policy'] as PagePolicy;

  let source: Buffer;
  try {
    source = readFileSync(values.settings);
  } catch (e) {
    return fail(`cannot read ${values.settings}: ${(e as Error).message}`);
  }
  const isYaml = /\.ya?ml$/i.test(values.settings);
  let pushes: ProvPush[];
  let xmlDocs: { type: string; xml: string }[];
  try {
    const sec: SecInput | undefined =
      values.sec.toLowerCase() === 'none' ? undefined : { sec: parseSec(values.sec), pin: values.pin, ...(values.imsi ? { imsi: values.imsi } : {}) };
    if (isYaml) {
      const t = parseTemplate(source);
      pushes = pushesFromTemplate(t, values.format, { pagePolicy, ...(sec ? { sec } : {}) });
      const docs = values.format === 'oma' ? [omaDocument(t)] : [otaSettingsDocument(t), ...(otaBookmarksDocument(t) ? [otaBookmarksDocument(t)!] : [])];
      xmlDocs = docs.map((d, i) => ({ type: xmlTypeOf(pushes[i]!), xml: `<?xml version="1.0"?>\n${toXml(d, 0)}` }));
    } else {
      pushes = [pushFromXml(source, { pagePolicy, ...(sec ? { sec } : {}) })];
      xmlDocs = [{ type: xmlTypeOf(pushes[0]!), xml: source.toString('utf8') }];
    }
  } catch (e) {
    if (e instanceof ProvError) return fail(e.message, 1);
    throw e;
  }

  if (values['dry-run']) {
    for (const p of pushes) {
      const datagram = provDatagram(p);
      process.stdout.write(
        `${JSON.stringify({
          kind: p.kind,
          contentType: p.contentType,
          octets: p.body.length,
          pushOctets: datagram.length,
          smsSegments: segmentCount(datagram.length),
          ...(p.signature ? { sec: p.signature.sec, mac: p.signature.mac } : {}),
          ...(p.signature?.userPin ? { userPin: p.signature.userPin } : {}),
          wbxml: p.body.toString('hex'),
          xml: decodeProvWbxml(p.body, { kind: p.kind === 'oma' ? 'oma' : 'ota' }).xml,
        })}\n`,
      );
    }
    return 0;
  }

  const auth = values.user !== undefined ? { user: values.user, password: values.password ?? '' } : undefined;
  let ok = true;
  for (let i = 0; i < pushes.length; i++) {
    const p = pushes[i]!;
    const r = values.sendota
      ? await viaSendota(values.sendota, values.to, xmlDocs[i]!, values, auth)
      : p.kind === 'oma'
        ? await viaPap(values.ppg, values.to, p, values.bearer, auth)
        : { ok: false, status: 0, answer: 'OTA settings need their own WDP ports: use --sendota URL' };
    process.stdout.write(`${JSON.stringify({ kind: p.kind, to: values.to, ...r, ...(p.signature?.userPin ? { userPin: p.signature.userPin } : {}) })}\n`);
    ok &&= r.ok;
  }
  return ok ? 0 : 1;
}

function xmlTypeOf(p: ProvPush): string {
  return p.kind === 'oma' ? 'text/vnd.wap.connectivity-xml' : p.contentType.split(';')[0]!;
}

async function viaPap(url: string, to: string, p: ProvPush, bearer: string, auth?: { user: string; password: string }) {
  const pushId = `prov-${Date.now()}-${Math.floor(Math.random() * 1e9)}@wapgate`;
  const type = isIP(to) === 6 ? 'IPv6' : isIP(to) === 4 ? 'IPv4' : 'PLMN';
  const address = `WAPPUSH=${type === 'PLMN' ? to.replace(/[\s.-]/g, '') : to}/TYPE=${type}@ppg`;
  const qos = bearer === 'any' ? '' : ` bearer-required="true" bearer="${bearer === 'sms' ? 'SMS' : 'IPv4'}"`;
  const control =
    '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">' +
    `<pap><push-message push-id="${pushId}"><address address-value="${address}"/>` +
    `<quality-of-service delivery-method="unconfirmed"${qos}/></push-message></pap>`;
  const b = `prov-${pushId.length}-boundary`;
  const body = Buffer.concat([
    Buffer.from(`--${b}\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--${b}\r\nContent-Type: ${p.contentType}\r\n\r\n`),
    p.body,
    Buffer.from(`\r\n--${b}--\r\n`),
  ]);
  const headers: Record<string, string> = { 'content-type': `multipart/related; boundary=${b}; type="application/xml"` };
  if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  try {
    const r = await fetch(url, { method: 'POST', headers, body: new Uint8Array(body), signal: AbortSignal.timeout(15_000) });
    const text = await r.text();
    const code = /code="(\d+)"/.exec(text)?.[1];
    const desc = /desc="([^"]*)"/.exec(text)?.[1];
    return { ok: code === '1001' || code === '1000', status: r.status, pushId, papCode: code ? Number(code) : undefined, answer: desc ?? text.slice(0, 200) };
  } catch (e) {
    return { ok: false, status: 0, pushId, answer: (e as Error).message };
  }
}

async function viaSendota(url: string, to: string, doc: { type: string; xml: string }, v: { sec: string; pin: string; imsi?: string | undefined; bearer: string }, auth?: { user: string; password: string }) {
  const headers: Record<string, string> = { 'content-type': doc.type, 'x-kannel-to': to };
  if (auth) Object.assign(headers, { 'x-kannel-username': auth.user, 'x-kannel-password': auth.password });
  if (v.sec.toLowerCase() !== 'none') Object.assign(headers, { 'x-kannel-sec': v.sec.toUpperCase(), 'x-kannel-pin': v.pin });
  if (v.imsi) headers['x-wapgate-imsi'] = v.imsi;
  if (v.bearer !== 'any') headers['x-wapgate-bearer'] = v.bearer;
  try {
    const r = await fetch(url, { method: 'POST', headers, body: doc.xml, signal: AbortSignal.timeout(15_000) });
    const text = (await r.text()).trim();
    return { ok: r.status === 202, status: r.status, answer: text };
  } catch (e) {
    return { ok: false, status: 0, answer: (e as Error).message };
  }
}
