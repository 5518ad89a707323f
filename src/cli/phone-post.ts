/** `wapgate phone post URL --content-type TYPE --body FILE [--out FILE] [--method POST|PUT] [common options]` */
import { readFileSync } from 'node:fs';
import { COMMON_OPTIONS, commonArgs, guard, parseArgs, phoneRequest, printResponse, usageError } from '../handset/cli-support.ts';

const HELP = `Usage: wapgate phone post URL --content-type TYPE --body FILE [options]
  --content-type TYPE   Content-Type of the body (e.g. application/vnd.wap.mms-message)
  --body FILE           the body ('-' reads stdin)
  --method M            POST (default) or PUT
  --gateway HOST:PORT   gateway (default 127.0.0.1:9201, or :9200 with --cl)
  --bind ADDR           the handset's own address (e.g. 127.0.0.2)
  --cl                  connectionless WSP (port 9200) instead of a WTP session
  --header 'N: v'       request header (repeatable)
  --out FILE            write the reply body here instead of stdout
  --timeout S           give up after S seconds (default 30)
Status and headers go to stderr; exit status 0 only on a 2xx reply.
`;

export async function run(args: string[]): Promise<number> {
  return guard(HELP, async () => {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...COMMON_OPTIONS,
        'content-type': { type: 'string' },
        body: { type: 'string' },
        method: { type: 'string', default: 'POST' },
      },
      allowPositionals: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (positionals.length !== 1) throw usageError('phone post: exactly one URL');
    if (!values['content-type']) throw usageError('phone post: --content-type is required');
    if (!values.body) throw usageError('phone post: --body FILE is required');
    const body = readFileSync(values.body === '-' ? 0 : values.body);
    const a = commonArgs(values);
    const r = await phoneRequest(a, {
      kind: 'post',
      uri: positionals[0]!,
      contentType: values['content-type'],
      body,
      method: values.method.toUpperCase(),
    });
    return printResponse(r, a.out);
  });
}
