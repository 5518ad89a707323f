/**
 * `wapgate phone receive --gateway HOST:PORT --push-port 2948 --out DIR [--count N] [--timeout S] [--defer]`:
 * waits for MMS notifications pushed to the handset, retrieves each through the gateway (or defers it), writes
 * the parts to DIR under their Content-Location names, and answers the MMSC with m-notifyresp-ind. One JSON line
 * per message (and per delivery report) on stdout; exit 0 once N messages arrived.
 */
import { COMMON_HELP, COMMON_OPTIONS, commonArgs, guard, parseArgs, phoneRequest, usageError } from '../handset/cli-support.ts';
import { MMS_MESSAGE, mmscUrlFrom, notifyResp, type Notification, PushListener, writeParts } from '../handset/mms-receive.ts';
import { decodeMms, mmsText } from '../mms/index.ts';
import { readProvisioningPush } from '../prov/handset.ts';

const HELP = `Usage: wapgate phone receive --out DIR [options]
  --push-port N         UDP port for WAP Push (default: the profile's, 2948), on the --bind address
  --out DIR             where retrieved parts are written
  --count N             exit after N messages (default 1)
  --defer               answer notifications with Deferred instead of retrieving
  --mmsc URL            where m-notifyresp-ind goes (default: the content location's directory)
  --pin DIGITS          check provisioning pushes' MAC with this user PIN (USERPINMAC: the whole PIN)
  --imsi DIGITS         check provisioning pushes' MAC with this IMSI (NETWPIN, USERNETWPIN)
${COMMON_HELP}`;

export async function run(args: string[]): Promise<number> {
  return guard(HELP, async () => {
    const { values } = parseArgs({
      args,
      options: {
        ...COMMON_OPTIONS,
        'push-port': { type: 'string' },
        count: { type: 'string', default: '1' },
        defer: { type: 'boolean', default: false },
        mmsc: { type: 'string' },
        pin: { type: 'string' },
        imsi: { type: 'string' },
      },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (!values.out) throw usageError('phone receive: --out DIR is required');
    const count = Number(values.count);
    const a = commonArgs(values);
    const port = Number(values['push-port'] ?? a.profile.pushPorts.cl);
    if (!Number.isInteger(count) || count < 1) throw usageError('phone receive: bad --count');
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError('phone receive: bad --push-port');
    const outDir = values.out;
    const listener = new PushListener({ address: a.bind ?? '127.0.0.1', port });
    const bound = await listener.open();
    process.stderr.write(`listening for WAP Push on ${bound.address}:${bound.port}\n`);
    listener.on('ignored', (why) => process.stderr.write(`push ignored: ${why}\n`));

    let done = 0;
    let failed = 0;
    let queue: Promise<void> = Promise.resolve();
    let finish!: (code: number) => void;
    const finished = new Promise<number>((r) => (finish = r));

    const handle = async ({ pdu }: Notification): Promise<void> => {
      const h = pdu.headers;
      if (pdu.messageType !== 'm-notification-ind') {
        process.stdout.write(
          `${JSON.stringify({ type: pdu.messageType, messageId: h.messageId, status: h.status ?? h.readStatus, to: h.to?.map(mmsText) })}\n`,
        );
        return;
      }
      const location = h.contentLocation;
      if (!location) {
        process.stderr.write(`m-notification-ind ${h.transactionId} without X-Mms-Content-Location\n`);
        return;
      }
      const mmsc = values.mmsc ?? mmscUrlFrom(location);
      const answer = (status: 'Retrieved' | 'Deferred' | 'Rejected') =>
        phoneRequest(a, { kind: 'post', uri: mmsc, contentType: MMS_MESSAGE, body: notifyResp(pdu, status, true, a.profile.mmsVersion ?? '1.2') });
      const summary: Record<string, unknown> = {
        type: 'm-notification-ind',
        transactionId: h.transactionId,
        from: h.from && 'address' in h.from ? mmsText(h.from.address) : undefined,
        subject: h.subject ? mmsText(h.subject) : undefined,
        size: h.messageSize,
        location,
      };
      if (values.defer) {
        const r = await answer('Deferred');
        process.stdout.write(`${JSON.stringify({ ...summary, status: 'Deferred', answer: r.status })}\n`);
        done++;
        return;
      }
      const got = await phoneRequest(a, { kind: 'get', uri: location });
      let rc;
      try {
        rc = got.body.length ? decodeMms(got.body) : undefined;
      } catch (e) {
        process.stderr.write(`retrieval of ${location}: undecodable m-retrieve-conf: ${(e as Error).message}\n`);
      }
      if (got.status < 200 || got.status >= 300 || !rc || rc.messageType !== 'm-retrieve-conf' || (rc.headers.retrieveStatus ?? 'Ok') !== 'Ok') {
        const why = rc?.headers.retrieveText ? mmsText(rc.headers.retrieveText) : `HTTP ${got.status}`;
        process.stdout.write(`${JSON.stringify({ ...summary, status: 'failed', retrieveStatus: rc?.headers.retrieveStatus, reason: why })}\n`);
        failed++;
        return;
      }
      const files = writeParts(rc, outDir);
      const r = await answer('Retrieved');
      process.stdout.write(`${JSON.stringify({ ...summary, status: 'Retrieved', messageId: rc.headers.messageId, files, answer: r.status })}\n`);
      done++;
    };

    // OTA provisioning pushes (src/prov): MAC checked with --pin/--imsi, settings printed; each counts as a message
    listener.on('provisioning', (p) => {
      const r = readProvisioningPush(p.contentType, p.data, { ...(values.pin ? { pin: values.pin } : {}), ...(values.imsi ? { imsi: values.imsi } : {}) });
      process.stdout.write(`${JSON.stringify({ type: 'provisioning', kind: r.kind, sec: r.sec, verified: r.verified, problem: r.problem, settings: r.settings })}\n`);
      if (r.problem) failed++;
      else if (++done >= count) finish(0);
    });
    listener.on('notification', (n) => {
      queue = queue
        .then(() => handle(n))
        .catch((e: Error) => {
          failed++;
          process.stderr.write(`wapgate phone receive: ${e.message}\n`);
        })
        .then(() => {
          if (done >= count) finish(0);
        });
    });
    const timer = setTimeout(() => {
      process.stderr.write(`timeout: ${done} of ${count} message(s) received${failed ? `, ${failed} failed` : ''}\n`);
      finish(1);
    }, a.timeoutMs);
    const code = await finished;
    clearTimeout(timer);
    await queue.catch(() => undefined);
    await listener.close();
    return code;
  });
}
