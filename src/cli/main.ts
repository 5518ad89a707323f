/**
 * `wapgate <command>`: one file per command under src/cli/, each exporting
 * `run(args: string[]): Promise<number>` (the exit status). Loaded on demand so `--help` stays fast.
 * The installed command (bin/wapgate.js) runs the compiled dist/cli/main.js; developers and tests run the
 * sources directly: `node --import tsx src/cli/main.ts ARGS` (this module runs itself when it is the entry).
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

type Command = { run: (args: string[]) => Promise<number> };

const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  serve: { load: () => import('./serve.ts'), summary: 'run the gateway (UDP 9200/9201, PPG, admin; reference MMSC in-process by default)' },
  mmsc: { load: () => import('./mmsc.ts'), summary: 'run the reference store-and-forward MMSC on its own' },
  phone: { load: () => import('./phone.ts'), summary: 'the handset simulator: get, post, send-mms, receive, load' },
  decode: { load: () => import('./decode.ts'), summary: 'decode WTP/WSP/MMS PDUs from files, hex or pcap captures as JSON' },
  bench: { load: () => import('./bench.ts'), summary: 'benchmark wapgate side by side with Kannel and plain HTTP' },
  config: { load: () => import('./config.ts'), summary: 'print or check the effective configuration' },
  provision: { load: () => import('./provision.ts'), summary: 'send OTA settings (OMA provisioning, Nokia/Ericsson OTA) to a handset' },
  store: { load: () => import('./store.ts'), summary: 'check or compact the durable store (push queue, MMSC messages)' },
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
  const entry = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!entry) {
    process.stderr.write(`wapgate: unknown command '${cmd}'\n\n${usage()}\n`);
    return 2;
  }
  return (await entry.load()).run(rest);
}

/** Whether this module is the process's entry (`node [--import tsx] src/cli/main.ts …`), not imported. */
function isEntry(): boolean {
  const file = process.argv[1];
  if (!file) return false;
  try {
    return pathToFileURL(realpathSync(file)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isEntry()) process.exitCode = await main(process.argv.slice(2));
