/**
 * `wapgate serve [--config FILE] [--bind ADDR] [--cl-port N] [--co-port N] [--upstream URL]
 *                [--allow-upstream ORIGIN ...] [--log-level L]`
 * Every option also comes from the config file and WAPGATE_* environment (src/config: file → env → flags).
 * src/app/serve.ts composes the process; SIGINT/SIGTERM stop it cleanly (a second signal exits now).
 */
import { ConfigError, loadConfig } from '../config/index.ts';
import { runServe } from '../app/serve.ts';

const HELP = `Usage: wapgate serve [options]

  --config FILE            YAML configuration (also WAPGATE_CONFIG)
  --bind ADDR              UDP bind address (default 127.0.0.1; 0.0.0.0 or :: to serve handsets)
  --cl-port N              connectionless WSP port (default 9200)
  --co-port N              WTP + WSP session port (default 9201)
  --upstream URL           default upstream (MMSC); relative URIs resolve against it
  --allow-upstream ORIGIN  another origin the gateway may fetch (repeatable); nothing else is fetched
  --log-level LEVEL        trace|debug|info|warn|error
  --pap-port N             PAP listener of the Push Proxy Gateway (default 8080)
  --mmsc-port N            the in-process reference MMSC (default 8002; runs when no --upstream is given)
  --admin-port N           admin listener: /healthz /readyz /metrics /status
  --radius-port N          starts the RADIUS accounting server on port N (with --radius-secret S)
  --trace-pcap FILE        record every datagram and upstream exchange into a pcap
  --gateway-workers N      run the gateway in N worker threads (auto = one per CPU; default 1, this thread)
Without --upstream, serve runs the reference MMSC in-process and the demo subscriber table
(127.0.0.2 = Bob +15550000001, 127.0.0.3 = Alice +15550000002).
Every option is also a config key and a WAPGATE_* variable ('wapgate config --help').
A service's port or secret (RADIUS, SMPP, admin, …) turns it on unless its enabled key is set beside it.
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
  return runServe(cfg, () => loadConfig({ argv: args, env: process.env }));
}
