/** `wapgate phone get URL [--out FILE] [--method M] [--gateway HOST:PORT] [--bind ADDR] [--cl] [--header 'N: v']...` */
import { COMMON_OPTIONS, commonArgs, guard, parseArgs, phoneRequest, printResponse, usageError } from '../handset/cli-support.ts';

const HELP = `Usage: wapgate phone get URL [options]
  --gateway HOST:PORT   gateway (default 127.0.0.1:9201, or :9200 with --cl)
  --bind ADDR           the handset's own address (e.g. 127.0.0.2)
  --cl                  connectionless WSP (port 9200) instead of a WTP session
  --header 'N: v'       request header (repeatable)
  --method M            GET (default), HEAD, OPTIONS, DELETE, TRACE
  --out FILE            write the body here instead of stdout
  --timeout S           give up after S seconds (default 30)
Status and headers go to stderr; exit status 0 only on a 2xx reply.
`;

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
