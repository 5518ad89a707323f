/**
 * `wapgate bench --pinned`: the gateway per core. The gateway under test — wapgate, or Kannel's bearerbox and
 * wapbox together — runs pinned to one core (taskset); the load generator (`wapgate phone load`, the same for
 * both gateways) and the upstream run on the other. Per case: saturated throughput (closed loop), the gateway's
 * CPU per transaction from /proc (all its processes), the generator's own CPU per transaction, latency p50/p99 at
 * half of that load (open loop), RSS. Plain HTTP through the same generator to the same upstream is the ceiling
 * CL Get is compared with. Runs are interleaved gateway by gateway, case by case; medians are reported.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKannel, stopKannel } from './kannel.ts';
import { childPids, cpuSeconds, memoryMiB, run, start, stop, waitForClReply, waitForHttp, type Started } from './procs.ts';
import { fmt, median, table } from './report.ts';
import { installedCliArgs, nodeArgs, ownModule } from '../runtime/entry.ts';

/** The cases of issue 19: path on the upstream, CO or CL, POST body size. */
export interface PinnedCase {
  name: string;
  what: string;
  mode: 'co' | 'cl';
  path: '/mms' | '/big';
  postBytes?: number;
}

export const PINNED_CASES: PinnedCase[] = [
  { name: 'co-get', what: 'CO Get (session kept), 200 B reply', mode: 'co', path: '/mms' },
  { name: 'cl-get', what: 'CL Get, 200 B reply', mode: 'cl', path: '/mms' },
  { name: 'co-post', what: 'CO Post of a 2,000 B m-send-req (segmented Invoke)', mode: 'co', path: '/mms', postBytes: 2000 },
  { name: 'co-big', what: 'CO Get of a 6,000 B body (segmented Result)', mode: 'co', path: '/big' },
];

export interface PinnedOptions {
  runs: number;
  durationS: number;
  /** Seconds of uncounted load per case and gateway before the runs (a new Node process runs cold for ~1,000 transactions). */
  warmupS: number;
  phones: number;
  cases: string[];
  gatewayCpu: number;
  loadCpu: number;
  upstreamPort: number;
  peers: string;
  kannel: boolean;
  wapgateHost: string;
  progress: (s: string) => void;
}

interface Sample {
  tps: number;
  ok: number;
  requested: number;
  /** Gateway CPU seconds per 1000 transactions (its processes, /proc). */
  gwCpu: number;
  /** Generator CPU seconds per 1000 transactions (its own reading). */
  genCpu: number;
  p50Ms: number;
  p99Ms: number;
}

interface Target {
  name: string;
  host: string;
  pids: number[];
}

export interface PinnedRow {
  case: string;
  gateway: string;
  tps: number;
  gwCpuMsPerTxn: number;
  genCpuMsPerTxn: number;
  halfRate: number;
  halfP50Ms: number;
  halfP99Ms: number;
  okRatio: number;
  runsTps: number[];
}

export interface PinnedResult {
  date: string;
  runtime: string;
  pinned: boolean;
  load: string;
  rows: PinnedRow[];
  httpTps: number;
  rss: { gateway: string; rssMiB: number; peakMiB: number }[];
  notes: string[];
}

/** Our own modules run the way this one runs: compiled JavaScript from dist/, or the sources through tsx. */
function ownCommand(): { args: (entry: 'cli' | 'upstream') => string[]; runtime: string } {
  const url = (entry: 'cli' | 'upstream') => ownModule(entry === 'cli' ? 'cli/main' : 'bench/upstream');
  const compiled = !url('cli').pathname.endsWith('.ts');
  return {
    args: (entry) => nodeArgs(url(entry)),
    runtime: compiled ? `compiled JavaScript (${dirname(dirname(fileURLToPath(url('cli'))))}); the gateway as installed: node ${installedCliArgs().join(' ')}` : 'TypeScript sources through tsx',
  };
}

function pinnable(o: PinnedOptions): boolean {
  return existsSync('/usr/bin/taskset') && cpus().length > Math.max(o.gatewayCpu, o.loadCpu);
}

/** `cmd args` pinned to `cpu` (taskset), or as it is when pinning is not possible. */
function pinned(pin: boolean, cpu: number, cmd: string, args: string[]): [string, string[]] {
  return pin ? ['taskset', ['-c', String(cpu), cmd, ...args]] : [cmd, args];
}


/** The process `pid` as taskset started it: the wrapper execs, so the pid is the program's own. */
function gatewayPids(s: Started): number[] {
  const pid = s.child.pid!;
  return [pid, ...childPids(pid)];
}

export async function runPinned(o: PinnedOptions): Promise<PinnedResult> {
  const notes: string[] = [];
  const pin = pinnable(o);
  if (!pin) notes.push(`not pinned: taskset or a core ${Math.max(o.gatewayCpu, o.loadCpu)} is missing; gateway and load share the machine`);
  const own = ownCommand();
  const base = `http://127.0.0.1:${o.upstreamPort}`;
  const started: Started[] = [];
  const work = mkdtempSync(join(tmpdir(), 'wapgate-pinned-'));
  const kannelRun = join(work, 'kannel');
  let kannelUp = false;
  const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadAtStart = loadAvg();
  try {
    const [ucmd, uargs] = pinned(pin, o.loadCpu, process.execPath, [...own.args('upstream'), String(o.upstreamPort), '127.0.0.1']);
    const up = start(ucmd, uargs);
    started.push(up);
    await waitForHttp(`${base}/status`);
    o.progress(`upstream on ${base}${pin ? `, core ${o.loadCpu}` : ''}`);

    const targets: Target[] = [];
    // Its own state directory: the store file admits one running wapgate (another may run in this checkout).
    // The gateway as the installed command runs it (bin/wapgate.js and its shebang's V8 flags): what operators run.
    const gwArgs = [...installedCliArgs(), 'serve', '--state-dir', join(work, 'state'), '--bind', o.wapgateHost, '--upstream', `${base}/mms`, '--allow-upstream', base, '--pap-port', '0', '--admin-port', '0'];
    const [gcmd, gargs] = pinned(pin, o.gatewayCpu, process.execPath, gwArgs);
    const gw = start(gcmd, gargs, { WAPGATE_LOG_LEVEL: 'warn', NODE_ENV: 'production' });
    started.push(gw);
    try {
      await waitForClReply(o.wapgateHost, 9200, `${base}/mms`);
    } catch (e) {
      o.progress(gw.output());
      throw e;
    }
    targets.push({ name: 'wapgate', host: o.wapgateHost, pids: gatewayPids(gw) });
    o.progress(`wapgate on ${o.wapgateHost}${pin ? `, core ${o.gatewayCpu}` : ''} (pid ${gw.child.pid}; ${own.runtime})`);

    if (!o.kannel) notes.push('Kannel skipped (--no-kannel)');
    else if (!existsSync('/usr/sbin/bearerbox') || !existsSync(join(o.peers, 'start.sh'))) notes.push('Kannel not installed or no peer harness: skipped');
    else {
      const r = await startKannel(o.peers, kannelRun, o.progress);
      if (r.code !== 0) notes.push(`Kannel failed to start: ${r.out.trim().split('\n').slice(-2).join(' / ')}`);
      else {
        kannelUp = true;
        const kpids = r.pids;
        // Both boxes and every thread they have, on the gateway core (threads made later inherit it).
        if (pin) for (const p of kpids) await run('taskset', ['-a', '-p', '-c', String(o.gatewayCpu), String(p)], {}, 10_000);
        targets.push({ name: 'kannel', host: '127.0.0.2', pids: kpids });
        o.progress(`Kannel bearerbox + wapbox on 127.0.0.2${pin ? `, core ${o.gatewayCpu}` : ''} (pids ${kpids.join(', ')})`);
      }
    }

    const load = async (t: Target | undefined, c: PinnedCase | 'http', durationS: number, rate?: number): Promise<Sample | undefined> => {
      const args = [...own.args('cli'), 'phone', 'load', '--phones', String(o.phones), '--duration', String(durationS), '--json'];
      if (c === 'http') args.push('--http', `${base}/mms`);
      else {
        args.push('--gateway', `${t!.host}:${c.mode === 'cl' ? 9200 : 9201}`);
        if (c.mode === 'cl') args.push('--cl');
        if (c.postBytes) args.push('--post-bytes', String(c.postBytes));
        args.push(`${base}${c.path}`);
      }
      if (rate) args.push('--rate', String(rate));
      const [cmd, cargs] = pinned(pin, o.loadCpu, process.execPath, args);
      const pids = t?.pids ?? [];
      const cpu0 = pids.reduce((a, p) => a + cpuSeconds(p), 0);
      const r = await run(cmd, cargs, {}, (durationS + 60) * 1000);
      const cpu1 = pids.reduce((a, p) => a + cpuSeconds(p), 0);
      try {
        const j = JSON.parse(r.out.slice(r.out.indexOf('{'))) as { tps: number; ok: number; requested: number; p50Ms: number; p99Ms: number; cpuPer1000: number };
        return { tps: j.tps, ok: j.ok, requested: j.requested, p50Ms: j.p50Ms, p99Ms: j.p99Ms, genCpu: j.cpuPer1000, gwCpu: j.ok > 0 && pids.length ? ((cpu1 - cpu0) * 1000) / j.ok : NaN };
      } catch {
        notes.push(`phone load failed (${typeof c === 'string' ? c : c.name} on ${t?.name ?? 'http'}): ${r.out.trim().split('\n').slice(-1)[0] ?? ''}`.slice(0, 300));
        return undefined;
      }
    };

    const cases = PINNED_CASES.filter((c) => o.cases.includes(c.name));
    // Warm-up, not counted: JIT, connection pools, Kannel's threads.
    for (const t of targets) {
      o.progress(`warm-up on ${t.name}`);
      for (const c of cases) await load(t, c, o.warmupS);
    }
    const sat = new Map<string, Sample[]>();
    const half = new Map<string, Sample[]>();
    const key = (c: string, g: string) => `${c}|${g}`;
    const push = (m: Map<string, Sample[]>, k: string, s: Sample | undefined) => {
      if (!s) return;
      const l = m.get(k) ?? [];
      l.push(s);
      m.set(k, l);
    };
    const http: number[] = [];
    for (let i = 0; i < o.runs; i++) {
      for (const c of cases) {
        for (const t of targets) {
          o.progress(`${c.name} run ${i + 1}/${o.runs} on ${t.name}: saturation`);
          const s = await load(t, c, o.durationS);
          push(sat, key(c.name, t.name), s);
          if (s && s.tps > 0) {
            const rate = Math.max(10, Math.round(s.tps / 2));
            o.progress(`${c.name} run ${i + 1}/${o.runs} on ${t.name}: half load, ${rate}/s`);
            push(half, key(c.name, t.name), { ...(await load(t, c, o.durationS, rate))!, tps: rate });
          }
        }
      }
      if (o.cases.includes('cl-get')) {
        o.progress(`plain HTTP run ${i + 1}/${o.runs} (same generator, same upstream)`);
        const h = await load(undefined, 'http', o.durationS);
        if (h) http.push(h.tps);
      }
    }
    const rows: PinnedRow[] = [];
    for (const c of cases) {
      for (const t of targets) {
        const s = sat.get(key(c.name, t.name)) ?? [];
        const h = (half.get(key(c.name, t.name)) ?? []).filter((x) => x && Number.isFinite(x.p50Ms));
        rows.push({
          case: c.name,
          gateway: t.name,
          tps: median(s.map((x) => x.tps)),
          gwCpuMsPerTxn: median(s.map((x) => x.gwCpu)),
          genCpuMsPerTxn: median(s.map((x) => x.genCpu)),
          halfRate: median(h.map((x) => x.tps)),
          halfP50Ms: median(h.map((x) => x.p50Ms)),
          halfP99Ms: median(h.map((x) => x.p99Ms)),
          okRatio: s.reduce((a, x) => a + x.ok, 0) / Math.max(1, s.reduce((a, x) => a + x.requested, 0)),
          runsTps: s.map((x) => x.tps),
        });
      }
    }
    const rss = targets.map((t) => ({
      gateway: t.name,
      rssMiB: t.pids.reduce((a, p) => a + memoryMiB(p).rss, 0),
      peakMiB: t.pids.reduce((a, p) => a + memoryMiB(p).peak, 0),
    }));
    return { date: new Date().toISOString(), runtime: own.runtime, pinned: pin, load: `load average ${loadAtStart} at start, ${loadAvg()} at end`, rows, httpTps: median(http), rss, notes };
  } finally {
    if (kannelUp) await stopKannel(o.peers, kannelRun);
    for (const s of started.reverse()) await stop(s);
  }
}

/** Issue 19's targets, checked against one result: [what, measured, target, met]. */
export function targetChecks(r: PinnedResult): [string, string, string, boolean][] {
  // A row counts only with transactions measured (a gateway that answered nothing has no ratio).
  const row = (c: string, g: string) => r.rows.find((x) => x.case === c && x.gateway === g && x.tps > 0 && Number.isFinite(x.gwCpuMsPerTxn));
  const out: [string, string, string, boolean][] = [];
  const ratio = (c: string, min: number) => {
    const w = row(c, 'wapgate');
    const k = row(c, 'kannel');
    if (!w || !k) return;
    const x = w.tps / k.tps;
    out.push([`${c} per-core tps, wapgate / Kannel (measured)`, `${fmt(x, 2)}×`, `≥ ${min}×`, x >= min]);
    const y = k.gwCpuMsPerTxn / w.gwCpuMsPerTxn;
    out.push([`${c} per-core capacity (1 s / CPU per txn), wapgate / Kannel`, `${fmt(y, 2)}×`, `≥ ${min}×`, y >= min]);
  };
  const wg = row('co-get', 'wapgate');
  const kg = row('co-get', 'kannel');
  if (wg && kg) {
    const x = kg.gwCpuMsPerTxn / wg.gwCpuMsPerTxn;
    out.push(['co-get gateway CPU per transaction, Kannel / wapgate', `${fmt(x, 2)}×`, '≥ 4× (wapgate ≤ 1/4)', x >= 4]);
  }
  ratio('co-get', 4);
  ratio('co-post', 3);
  ratio('cl-get', 3);
  const cl = row('cl-get', 'wapgate');
  if (cl && Number.isFinite(r.httpTps)) {
    const x = (100 * cl.tps) / r.httpTps;
    out.push(['cl-get through wapgate, % of plain HTTP req/s', `${fmt(x, 1)} %`, '≥ 40 %', x >= 40]);
  }
  return out;
}

export function renderPinned(r: PinnedResult, runs: number): string {
  const rows = r.rows.map((x) => {
    const k = x.gateway === 'wapgate' ? r.rows.find((y) => y.case === x.case && y.gateway === 'kannel' && y.tps > 0) : undefined;
    return [
      x.case,
      x.gateway,
      fmt(x.tps, 0),
      k ? `${fmt(x.tps / k.tps, 2)}×` : '',
      fmt(1000 / x.gwCpuMsPerTxn, 0),
      fmt(x.gwCpuMsPerTxn, 3),
      k ? `${fmt(k.gwCpuMsPerTxn / x.gwCpuMsPerTxn, 2)}×` : '',
      `${fmt(x.halfP50Ms, 2)} / ${fmt(x.halfP99Ms, 2)}`,
      fmt(x.halfRate, 0),
      fmt(x.genCpuMsPerTxn, 3),
      `${fmt(x.okRatio * 100, 1)} %`,
    ];
  });
  const lines = [
    `wapgate bench --pinned — ${r.pinned ? 'gateway on one core, generator and upstream on the other' : 'NOT pinned'}; medians of ${runs} interleaved run(s)`,
    `runtime: ${r.runtime}; ${r.load}; ${r.date}`,
    '',
    table(['case', 'gateway', 'tps (1 core)', 'vs Kannel', 'core capacity /s', 'gw cpu ms/txn', 'Kannel/wapgate cpu', 'p50 / p99 ms at ½ load', '½ load /s', 'generator cpu ms/txn', 'ok'], rows),
    '',
    'core capacity = 1 s / gateway CPU per transaction: what one core of its own would carry (on a shared machine the',
    'measured tps also depends on how much of its core the gateway gets; CPU per transaction depends on it much less)',
    `plain HTTP, same generator and upstream: ${fmt(r.httpTps, 0)} req/s`,
    `gateway RSS at the end: ${r.rss.map((m) => `${m.gateway} ${fmt(m.rssMiB)} MiB (peak ${fmt(m.peakMiB)})`).join(', ')}`,
  ];
  const checks = targetChecks(r);
  if (checks.length) lines.push('', 'issue 19 targets:', table(['target', 'measured', 'wanted', 'met'], checks.map(([a, b, c, d]) => [a, b, c, d ? 'yes' : 'NO'])));
  if (r.notes.length) lines.push('', 'notes:', ...r.notes.map((n) => `- ${n}`));
  return lines.join('\n');
}
