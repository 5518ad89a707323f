/**
 * `wapgate phone load URL [options]`: many phones in one process against a gateway (or plain HTTP), printing
 * throughput and latency percentiles; `--idle-sessions N` holds N CO sessions open instead (for memory figures),
 * split over child processes because every session owns a UDP socket.
 */
import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { mSendReqOfSize } from '../bench/cases.ts';
import { holdIdleSessions, runLoad } from '../handset/load.ts';

const HELP = `Usage: wapgate phone load URL [options]

  --gateway HOST:PORT   gateway to load (default 127.0.0.1:9201, or :9200 with --cl)
  --cl                  connectionless WSP (default: WTP class 2 sessions)
  --http                plain HTTP straight to URL (the baseline)
  --phones N            phones, each with one transaction outstanding (default 16)
  --count N             stop after N transactions
  --duration S          stop after S seconds (default 10)
  --rate R              open loop: start R transactions per second (default: closed loop)
  --post-bytes N        POST an m-send-req of N bytes instead of GET
  --reconnect           CO: Connect … Disconnect around every transaction (as fakewap does)
  --bind A,B,...        local addresses to spread the phones over (default 127.0.0.1)
  --idle-sessions N     open N CO sessions, print {"ready":…} and hold them until SIGTERM or --hold S
  --hold S              with --idle-sessions: seconds to hold (default: until SIGTERM)
  --json                print the result as one JSON object
`;

const PER_PROCESS = 15_000; // below the file-descriptor limit (every session owns a socket)

function endpoint(s: string, cl: boolean) {
  const i = s.lastIndexOf(':');
  const host = i > 0 ? s.slice(0, i).replace(/^\[|\]$/g, '') : s;
  const port = i > 0 ? Number(s.slice(i + 1)) : cl ? 9200 : 9201;
  return { host, port };
}

/** 127.0.1.1, 127.0.1.2, … — one address per 25,000 sessions keeps clear of the ephemeral port range's size. */
function idleAddresses(n: number): string[] {
  // At least one address per child process, so no child shares another's addresses (and their ports).
  const count = Math.max(1, Math.ceil(n / 25_000), Math.ceil(n / PER_PROCESS));
  return Array.from({ length: count }, (_, i) => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`);
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      gateway: { type: 'string' },
      cl: { type: 'boolean', default: false },
      http: { type: 'boolean', default: false },
      phones: { type: 'string', default: '16' },
      count: { type: 'string' },
      duration: { type: 'string', default: '10' },
      rate: { type: 'string' },
      'post-bytes': { type: 'string' },
      reconnect: { type: 'boolean', default: false },
      bind: { type: 'string' },
      'idle-sessions': { type: 'string' },
      hold: { type: 'string' },
      'idle-child': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const gateway = endpoint(values.gateway ?? '127.0.0.1', values.cl);
  const bind = values.bind?.split(',').filter(Boolean);

  if (values['idle-sessions']) {
    const n = Number(values['idle-sessions']);
    if (values['idle-child']) {
      // One slice of a large idle run: open, report to the parent, hold until told to stop.
      const r = await holdIdleSessions(gateway, n, bind ?? ['127.0.0.1'], (opened, failed) => {
        process.send?.({ opened, failed });
        return new Promise<void>((resolve) => process.once('message', () => resolve()));
      });
      process.send?.({ done: r });
      return 0;
    }
    const addrs = bind ?? idleAddresses(n);
    const slices = Math.ceil(n / PER_PROCESS);
    const children = Array.from({ length: slices }, (_, i) => {
      const share = Math.min(PER_PROCESS, n - i * PER_PROCESS);
      const mine = addrs.filter((_, j) => j % slices === i);
      return fork(process.argv[1]!, ['phone', 'load', '--idle-child', '--idle-sessions', String(share), '--gateway', `${gateway.host}:${gateway.port}`, '--bind', (mine.length ? mine : addrs).join(',')], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    });
    const ready = await Promise.all(
      children.map((c) => new Promise<{ opened: number; failed: number }>((resolve) => c.once('message', (m) => resolve(m as { opened: number; failed: number })))),
    );
    const opened = ready.reduce((a, r) => a + r.opened, 0);
    const failed = ready.reduce((a, r) => a + r.failed, 0);
    process.stdout.write(JSON.stringify({ ready: true, opened, failed }) + '\n');
    await new Promise<void>((resolve) => {
      if (values.hold) setTimeout(resolve, Number(values.hold) * 1000);
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    await Promise.all(children.map((c) => new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.send('stop'); })));
    return failed === 0 ? 0 : 1;
  }

  const url = positionals[0];
  if (!url) {
    process.stderr.write(HELP);
    return 2;
  }
  const result = await runLoad({
    gateway,
    mode: values.http ? 'http' : values.cl ? 'cl' : 'co',
    url,
    phones: Math.max(1, Number(values.phones)),
    count: values.count ? Number(values.count) : undefined,
    durationMs: Number(values.duration) * 1000,
    rate: values.rate ? Number(values.rate) : undefined,
    postBody: values['post-bytes'] ? mSendReqOfSize(Number(values['post-bytes'])) : undefined,
    reconnect: values.reconnect,
    bindAddresses: bind,
  });
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    const f = (x: number) => x.toFixed(2);
    process.stdout.write(
      `${result.mode}: ${result.ok}/${result.requested} ok (${result.non2xx} non-2xx, ${result.errors} errors) in ${result.elapsedMs} ms\n` +
        `tps=${result.tps.toFixed(1)} mean=${f(result.meanMs)} ms p50=${f(result.p50Ms)} p90=${f(result.p90Ms)} p99=${f(result.p99Ms)} max=${f(result.maxMs)} ms` +
        (result.late ? ` late=${result.late}` : '') +
        '\n',
    );
  }
  return result.errors === 0 && result.non2xx === 0 ? 0 : 1;
}
