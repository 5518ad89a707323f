/** `wapgate phone post URL --content-type TYPE --body FILE [--out FILE] [--method POST|PUT] [common options]` */
import { readFileSync } from 'node:fs';
import { COMMON_HELP, COMMON_OPTIONS, commonArgs, guard, parseArgs, phoneRequest, printResponse, usageError } from '../handset/cli-support.ts';

const HELP = `Usage: wapgate phone post URL --content-type TYPE --body FILE [options]
  --content-type TYPE   Content-Type of the body (e.g. application/vnd.wap.mms-message)
  --body FILE           the body ('-' reads stdin)
  --method M            POST (default) or PUT
${COMMON_HELP}`;

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
