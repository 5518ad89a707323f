/** `wapgate phone get URL [--out FILE] [--method M] [--gateway HOST:PORT] [--bind ADDR] [--cl] [--header 'N: v']...` */
import { COMMON_HELP, COMMON_OPTIONS, commonArgs, guard, parseArgs, phoneRequest, printResponse, usageError } from '../handset/cli-support.ts';

const HELP = `Usage: wapgate phone get URL [options]
  --method M            GET (default), HEAD, OPTIONS, DELETE, TRACE
${COMMON_HELP}`;

export async function run(args: string[]): Promise<number> {
  return guard(HELP, async () => {
    const { values, positionals } = parseArgs({
      args,
      options: { ...COMMON_OPTIONS, method: { type: 'string', default: 'GET' } },
      allowPositionals: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (positionals.length !== 1) throw usageError('phone get: exactly one URL');
    const a = commonArgs(values);
    const r = await phoneRequest(a, { kind: 'get', uri: positionals[0]!, method: values.method.toUpperCase() });
    return printResponse(r, a.out);
  });
}
