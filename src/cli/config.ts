/**
 * `wapgate config`: show or check the configuration.
 *
 *   wapgate config --print [--config FILE] [any serve flag ...]   effective configuration, secrets masked
 *   wapgate config --check FILE                                   validate a file (exit 0 valid, 1 invalid)
 *   wapgate config --reference                                    the configuration reference (markdown)
 *   wapgate config --keys                                         every key with its env variable and flag
 */
import { ConfigError } from '../config/errors.ts';
import { configKeys } from '../config/keys.ts';
import { loadConfigDetailed } from '../config/load.ts';
import { renderConfig } from '../config/print.ts';
import { renderReference } from '../config/reference.ts';

const HELP = `Usage: wapgate config (--print | --check FILE | --reference | --keys) [--config FILE] [options]

  --print          print the effective configuration (file < WAPGATE_* environment < flags), secrets masked,
                   each value not a default annotated with where it came from
  --check FILE     validate FILE together with the environment; exit 0 when valid, 1 with every problem listed
  --reference      print the configuration reference (markdown table generated from the schema)
  --keys           list every key with its environment variable and flag
  --config FILE    configuration file (also WAPGATE_CONFIG)

Any 'wapgate serve' option may follow --print to see its effect.
`;

export async function run(args: string[]): Promise<number> {
  // `wapgate config --reference | head`: a closed pipe ends the output, not the process with a stack trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const out = (s: string) => process.stdout.write(s.endsWith('\n') ? s : s + '\n');
  const err = (s: string) => process.stderr.write(s.endsWith('\n') ? s : s + '\n');
  const [mode, ...rest] = args;
  if (!mode || mode === '--help' || mode === '-h') {
    (mode ? out : err)(HELP);
    return mode ? 0 : 2;
  }
  try {
    switch (mode) {
      case '--print': {
        const loaded = loadConfigDetailed({ argv: rest, env: process.env });
        for (const w of loaded.warnings) err(`warning: ${w}`);
        out(`# effective wapgate configuration${loaded.file ? ` (file ${loaded.file})` : ''}; secrets masked\n`);
        out(renderConfig(loaded.config, loaded.sources));
        return 0;
      }
      case '--check': {
        const file = rest[0];
        if (!file || file.startsWith('-')) {
          err('wapgate config --check: a FILE is required\n\n' + HELP);
          return 2;
        }
        const loaded = loadConfigDetailed({ file, argv: rest.slice(1), env: process.env });
        for (const w of loaded.warnings) err(`warning: ${w}`);
        out(`${file}: valid`);
        return 0;
      }
      case '--reference':
        out(renderReference());
        return 0;
      case '--keys':
        for (const k of configKeys()) out(`${k.name.padEnd(36)} ${k.env.padEnd(44)} --${k.flag}`);
        return 0;
      default:
        err(`wapgate config: unknown mode '${mode}'\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
}
