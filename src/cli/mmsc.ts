/**
 * `wapgate mmsc --port N --ppg PAP-URL [--store DIR]`: the reference MMSC on its own (MM1 at /mms).
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../gateway/log.ts';
import { createMmsc } from '../mmsc/index.ts';

const HELP = `Usage: wapgate mmsc [options]

Runs the reference store-and-forward MMSC: MM1 over HTTP at /mms (POST m-send-req, m-notifyresp-ind,
m-acknowledge-ind; GET content locations), notifications pushed to a PPG by PAP.

Options:
  --port N            TCP port (default 8002)
  --bind ADDR         address to bind (default 127.0.0.1)
  --ppg URL           PAP URL of the PPG notifications go to (e.g. http://127.0.0.1:8080/pap)
  --store DIR         message store directory (default var/mmsc)
  --public-url URL    base URL put in Content-Location (default http://ADDR:PORT/mms)
  --max-size OCTETS   largest m-send-req accepted (default 307200)
  --expiry SECONDS    default and longest message lifetime (default 604800)
  --require-msisdn    refuse m-send-req without the X-MSISDN header the gateway injects
  --log-level LEVEL   pino level (default info)
  -h, --help          this text
`;

export async function run(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string', default: '8002' },
        bind: { type: 'string', default: '127.0.0.1' },
        ppg: { type: 'string' },
        store: { type: 'string', default: 'var/mmsc' },
        'public-url': { type: 'string' },
        'max-size': { type: 'string', default: '307200' },
        expiry: { type: 'string', default: '604800' },
        'require-msisdn': { type: 'boolean', default: false },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`wapgate mmsc: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const port = Number(values.port);
  const maxSize = Number(values['max-size']);
  const expiry = Number(values.expiry);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !(maxSize > 0) || !(expiry > 0)) {
    process.stderr.write(`wapgate mmsc: bad --port, --max-size or --expiry\n`);
    return 2;
  }
  if (values.ppg !== undefined && !/^https?:\/\//.test(values.ppg)) {
    process.stderr.write(`wapgate mmsc: --ppg must be an http(s) URL\n`);
    return 2;
  }
  const log = createLogger(values['log-level'], process.stderr.isTTY === true);
  const mmsc = createMmsc({
    storeDir: values.store,
    ...(values.ppg ? { ppgUrl: values.ppg } : {}),
    ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
    maxSize,
    expiry: expiry * 1000,
    requireMsisdn: values['require-msisdn'],
    logger: log,
  });
  const addr = await mmsc.listen(port, values.bind);
  log.info({ mm1: `http://${addr.address}:${addr.port}/mms`, ppg: values.ppg ?? null, store: values.store }, 'mmsc: listening');
  if (!values.ppg) log.warn({}, 'mmsc: no --ppg given: notifications will not be pushed');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await mmsc.close();
  return 0;
}
