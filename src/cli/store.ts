/**
 * `wapgate store`: look after the durable store (src/store) while the gateway is stopped.
 *
 *   wapgate store check   [--file F | --config FILE | --state-dir DIR] [--json]   integrity, rooms, what it holds
 *   wapgate store compact [--file F | --config FILE | --state-dir DIR]            fold the WAL in, VACUUM
 *
 * Exit status: 0 fine, 1 the store has problems (or cannot be opened: corrupted, too new, locked), 2 usage.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.ts';
import { openStore, StoreError, storePathOf, type CheckReport, type Store } from '../store/index.ts';

const HELP = `Usage: wapgate store <check|compact> [options]

  check      SQLite's integrity_check and foreign keys, the schema version of each room, how many rows each
             table holds, file and WAL sizes; exit 0 when sound, 1 with every problem listed
  compact    fold the write-ahead log into the file and rebuild it without free pages (VACUUM)

The store is locked by a running wapgate: stop it first (a second process is refused, never let in).

Options:
  --file PATH        the store file (default: store.path, else <store.dir>/wapgate.db, else wapgate.db beside
                     mmsc.storeDir — var/wapgate.db; a standalone MMSC keeps <its --store dir>/mmsc.db)
  --config FILE      configuration file (its store: section; WAPGATE_STORE_* variables too)
  --state-dir DIR    store.dir
  --json             check: the report as JSON
  -h, --help         this text
`;

export async function run(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    (cmd ? process.stdout : process.stderr).write(HELP);
    return cmd ? 0 : 2;
  }
  if (cmd !== 'check' && cmd !== 'compact') {
    process.stderr.write(`wapgate store: unknown subcommand '${cmd}'\n\n${HELP}`);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        file: { type: 'string' },
        config: { type: 'string' },
        'state-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`wapgate store: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let path = values.file;
  if (!path) {
    try {
      const argv = [...(values.config ? ['--config', values.config] : []), ...(values['state-dir'] ? ['--state-dir', values['state-dir']] : [])];
      path = storePathOf(loadConfig({ env: process.env, argv }));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      process.stderr.write(`wapgate store: ${e.message}\n`);
      return 2;
    }
  }
  let store: Store;
  try {
    // No check at open: `check` runs the full one itself and lists what it finds.
    store = openStore({ path, create: false, check: cmd === 'check' ? 'off' : 'quick' });
  } catch (e) {
    if (!(e instanceof StoreError)) throw e;
    const hint = e.code === 'STORE_LOCKED' ? ' (a wapgate is running on it: stop it first)' : '';
    process.stderr.write(`wapgate store ${cmd}: ${e.message}${hint}\n`);
    return 1;
  }
  try {
    if (cmd === 'compact') {
      const { before, after } = store.compact();
      process.stdout.write(`${path}: ${mib(before)} → ${mib(after)}\n`);
      return 0;
    }
    const report = store.check(true);
    const tables = tableCounts(store);
    if (values.json) process.stdout.write(JSON.stringify({ path, ...report, tables }, null, 2) + '\n');
    else process.stdout.write(render(path, report, tables));
    return report.ok ? 0 : 1;
  } catch (e) {
    if (!(e instanceof StoreError) && !(e as { code?: string })?.code?.startsWith?.('SQLITE_')) throw e;
    process.stderr.write(`wapgate store ${cmd}: ${(e as Error).message}\n`);
    return 1;
  } finally {
    store.close();
  }
}

function tableCounts(store: Store): Record<string, number> {
  const out: Record<string, number> = {};
  const names = store.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  for (const name of names) out[name] = store.db.prepare(`SELECT count(*) FROM "${name.replace(/"/g, '""')}"`).pluck().get() as number;
  return out;
}

function mib(n: number): string {
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

function render(path: string, r: CheckReport, tables: Record<string, number>): string {
  const lines = [
    `${path}: ${r.ok ? 'ok' : `${r.problems.length} problem(s)`}`,
    `  store format ${r.format}; ${r.pages} pages of ${r.pageSize} octets (${r.freePages} free); WAL ${mib(r.walBytes)}`,
    ...r.rooms.map((x) => `  room ${x.room}: schema version ${x.version} (since ${new Date(x.updatedAt).toISOString()})`),
    ...Object.entries(tables).map(([t, n]) => `  ${t}: ${n} row(s)`),
    ...r.problems.map((p) => `  PROBLEM: ${p.replace(/\s+/g, ' ')}`),
  ];
  return lines.join('\n') + '\n';
}
