/** `wapgate phone profiles [--show NAME|FILE] [--json]`: the handset profiles `--profile` takes. */
import { connectHeaders, DEFAULT_PROFILE, builtinProfiles, loadProfile, profileCapabilities, versionOf } from '../handset/profiles/index.ts';
import { guard, parseArgs } from '../handset/cli-support.ts';
import { encodeWspPdu } from '../wsp/pdu.ts';

const HELP = `Usage: wapgate phone profiles [--show NAME|FILE] [--json]
  (no option)           one line per built-in profile: name, MMS version, User-Agent, source
  --show NAME|FILE      the whole profile (JSON) and the size of the Connect it sends
  --json                every built-in profile as JSON
`;

export async function run(args: string[]): Promise<number> {
  return guard(HELP, async () => {
    const { values } = parseArgs({
      args,
      options: { show: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (values.show) {
      const p = loadProfile(values.show);
      const connect = encodeWspPdu({
        type: 'Connect',
        version: versionOf(p.connect.version),
        capabilities: profileCapabilities(p),
        headers: connectHeaders(p),
      });
      process.stdout.write(`${JSON.stringify({ ...p, connectOctets: connect.length }, null, 2)}\n`);
      return 0;
    }
    const all = builtinProfiles();
    if (values.json) {
      process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      return 0;
    }
    const w = Math.max(...all.map((p) => p.name.length));
    for (const p of all) {
      const ua = p.userAgent ?? p.headers?.find((h) => h.name.toLowerCase() === 'user-agent')?.value ?? '-';
      const tag = p.name === DEFAULT_PROFILE ? ' (default)' : '';
      process.stdout.write(`${p.name.padEnd(w)}  MMS ${(p.mmsVersion ?? '-').padEnd(3)}  ${p.description}${tag}\n${' '.repeat(w + 11)}UA: ${ua}\n${' '.repeat(w + 11)}source: ${p.source}\n`);
    }
    return 0;
  });
}
