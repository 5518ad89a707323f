/**
 * `wapgate phone <sub> ...`: the handset simulator. Each subcommand lives in src/cli/phone-<sub>.ts and exports
 * `run(args): Promise<number>`; loaded on demand.
 */
const SUBCOMMANDS: Record<string, string> = {
  get: 'fetch a URL through the gateway (WSP Get over WTP, or --cl connectionless)',
  post: 'post a file through the gateway (WSP Post)',
  'send-mms': 'build and send an m-send-req',
  receive: 'wait for MMS notifications (WAP Push) and retrieve them',
  profiles: 'list the handset profiles (--profile NAME|FILE on every phone command)',
  load: 'many phones in one process: throughput and latency (the benchmark load generator)',
};

function usage(): string {
  const lines = ['Usage: wapgate phone <command> [options]', '', 'Commands:'];
  for (const [n, s] of Object.entries(SUBCOMMANDS)) lines.push(`  ${n.padEnd(9)} ${s}`);
  lines.push('', 'Common options: --gateway HOST:PORT  --bind ADDR  --cl  --header "Name: value" (repeatable)');
  return lines.join('\n') + '\n';
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (!sub || sub === '--help' || sub === '-h') {
    process.stdout.write(usage());
    return sub ? 0 : 2;
  }
  if (!(sub in SUBCOMMANDS)) {
    process.stderr.write(`wapgate phone: unknown command '${sub}'\n\n${usage()}`);
    return 2;
  }
  let mod: { run: (a: string[]) => Promise<number> };
  try {
    mod = (await import(`./phone-${sub}.ts`)) as typeof mod;
  } catch {
    process.stderr.write(`wapgate phone: '${sub}' is not available in this build\n`);
    return 2;
  }
  return mod.run(rest);
}
