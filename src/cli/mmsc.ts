/**
 * `wapgate mmsc --port N --ppg PAP-URL [--store DIR]`: the reference MMSC on its own (MM1 at /mms).
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.ts';
import { runMmsc } from '../app/mmsc.ts';

const HELP = `Usage: wapgate mmsc [options]

Runs the reference store-and-forward MMSC: MM1 over HTTP at /mms (POST m-send-req, m-notifyresp-ind,
m-acknowledge-ind; GET content locations), notifications pushed to a PPG by PAP.

Options:
  --config FILE       YAML configuration (its mmsc: and log: sections; WAPGATE_MMSC_* variables too)
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
        config: { type: 'string' },
        port: { type: 'string' },
        bind: { type: 'string' },
        ppg: { type: 'string' },
        store: { type: 'string' },
        'public-url': { type: 'string' },
        'max-size': { type: 'string' },
        expiry: { type: 'string' },
        'require-msisdn': { type: 'boolean' },
        'log-level': { type: 'string' },
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
  // Defaults come from the configuration (YAML file, then WAPGATE_MMSC_* / WAPGATE_LOG_* variables, as in
  // docker-compose.yml); this command's own flags win over both.
  let cfg;
  try {
    cfg = loadConfig({ env: process.env, argv: values.config ? ['--config', values.config] : [] });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`wapgate mmsc: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  values.port ??= String(cfg.mmsc.port);
  values.bind ??= cfg.mmsc.bind;
  values.ppg ??= cfg.mmsc.ppgUrl;
  values.store ??= cfg.mmsc.storeDir;
  values['public-url'] ??= cfg.mmsc.publicUrl;
  values['max-size'] ??= String(cfg.mmsc.maxSize);
  values.expiry ??= String(cfg.mmsc.expiry / 1000);
  values['require-msisdn'] ??= cfg.mmsc.requireMsisdn;
  values['log-level'] ??= cfg.log.level;
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
  return runMmsc({
    port,
    bind: values.bind,
    storeDir: values.store,
    ...(values.ppg ? { ppgUrl: values.ppg } : {}),
    ...(values['public-url'] ? { publicUrl: values['public-url'] } : {}),
    maxSize,
    expiry: expiry * 1000,
    requireMsisdn: values['require-msisdn'],
    logLevel: values['log-level'],
  });
}
