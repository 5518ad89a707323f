/**
 * `wapgate serve [--config FILE] [--bind ADDR] [--cl-port N] [--co-port N] [--upstream URL]
 *                [--allow-upstream ORIGIN ...] [--log-level L]`
 * Every option also comes from the config file and WAPGATE_* environment (src/config: file → env → flags).
 * This is the one place that composes everything; SIGINT/SIGTERM stop it cleanly (a second signal exits now).
 */
import { metrics } from '../admin/metrics.ts';
import { ConfigError, loadConfig } from '../config/index.ts';
import { gatewayOptionsFromConfig } from '../gateway/from-config.ts';
import { createGateway } from '../gateway/index.ts';
import { createLogger } from '../gateway/log.ts';

const HELP = `Usage: wapgate serve [options]

  --config FILE            YAML configuration (also WAPGATE_CONFIG)
  --bind ADDR              UDP bind address (default 127.0.0.1; 0.0.0.0 or :: to serve handsets)
  --cl-port N              connectionless WSP port (default 9200)
  --co-port N              WTP + WSP session port (default 9201)
  --upstream URL           default upstream (MMSC); relative URIs resolve against it
  --allow-upstream ORIGIN  another origin the gateway may fetch (repeatable); nothing else is fetched
  --log-level LEVEL        trace|debug|info|warn|error
Every option is also a config key and a WAPGATE_* variable ('wapgate config --help').
`;

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  let cfg;
  try {
    cfg = loadConfig({ argv: args, env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`wapgate serve: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const pretty = cfg.log.pretty === 'auto' ? process.stderr.isTTY === true : cfg.log.pretty;
  const log = createLogger(cfg.log.level, pretty);
  const gateway = createGateway(gatewayOptionsFromConfig(cfg), { log, metrics });
  try {
    await gateway.start();
  } catch (err) {
    log.fatal({ err }, 'cannot start the gateway');
    return 1;
  }
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (stopping) {
        log.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(1);
      }
      stopping = true;
      log.info({ signal: sig }, 'shutting down');
      gateway.stop(cfg.gateway.drainTimeout).then(
        () => resolve(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
