/**
 * `wapgate <command>`: one file per command under src/cli/, each exporting
 * `run(args: string[]): Promise<number>` (the exit status). Loaded on demand so `--help` stays fast.
 */
const COMMANDS: Record<string, { file: string; summary: string }> = {
  serve: { file: './serve.ts', summary: 'run the gateway (UDP 9200/9201, PPG, admin; reference MMSC in-process by default)' },
  mmsc: { file: './mmsc.ts', summary: 'run the reference store-and-forward MMSC on its own' },
  phone: { file: './phone.ts', summary: 'the handset simulator: get, post, send-mms, receive, load' },
  decode: { file: './decode.ts', summary: 'decode WTP/WSP/MMS PDUs from files, hex or pcap captures as JSON' },
  bench: { file: './bench.ts', summary: 'benchmark wapgate side by side with Kannel and plain HTTP' },
  config: { file: './config.ts', summary: 'print or check the effective configuration' },
};

export function usage(): string {
  const lines = ['Usage: wapgate <command> [options]', '', 'Commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${c.summary}`);
  lines.push('', "Run 'wapgate <command> --help' for a command's options.");
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(usage() + '\n');
    return cmd ? 0 : 2;
  }
  if (cmd === '--version') {
    process.stdout.write('wapgate 0.1.0\n');
    return 0;
  }
  const entry = COMMANDS[cmd];
  if (!entry) {
    process.stderr.write(`wapgate: unknown command '${cmd}'\n\n${usage()}\n`);
    return 2;
  }
  const mod = (await import(entry.file)) as { run: (args: string[]) => Promise<number> };
  return mod.run(rest);
}
