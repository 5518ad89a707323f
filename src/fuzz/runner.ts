/**
 * A fuzz round against a running `wapgate serve`: batches of inputs (mutated real PDUs and structure-aware ones)
 * spread over every listener by weight; after each batch the process must be alive, a healthy client must be
 * served on every listener, and its RSS must stay under the cap. A batch after which that fails is saved to the
 * corpus folder (JSON: the inputs as hex, what failed) and the gateway is restarted; `replayCorpus` sends a saved
 * batch to a fresh gateway, which is what the regression test does with every corpus file.
 */
import dgram from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkHealth, tcpExchange } from './health.ts';
import { Rng } from './rng.ts';
import { freePort, rssMiB, startServe, type Served } from './serve.ts';
import { loadSeeds, TARGETS, type FuzzTarget, type Seeds, type TargetContext } from './targets.ts';

export interface FuzzOptions {
  seconds: number;
  /** Stop after this many inputs (whichever comes first). */
  maxInputs?: number;
  seed: number;
  /** Inputs between health checks (default 1000). */
  batch?: number;
  corpusDir: string;
  /** RSS cap of the gateway process, MiB (default 768). */
  maxRssMiB?: number;
  /** Growth of RSS from warm-up to the end that counts as a leak, MiB (default 256). */
  leakMiB?: number;
  healthTimeoutMs?: number;
  /** Only these targets (names). */
  targets?: string[];
  /** Extra serve flags. */
  serveFlags?: string[];
  log?: (line: string) => void;
}

export interface FuzzInput {
  target: string;
  /** Datagrams (UDP) or the octets of one connection (TCP), hex. */
  data: string[];
}

export interface Finding {
  kind: 'crash' | 'hang' | 'rss' | 'leak';
  batch: number;
  detail: string;
  file: string;
}

export interface FuzzReport {
  seed: number;
  seconds: number;
  inputs: number;
  perTarget: Record<string, number>;
  batches: number;
  healthChecks: number;
  findings: Finding[];
  restarts: number;
  skippedTargets: string[];
  rssMiB: { start?: number; warm?: number; peak?: number; end?: number };
}

interface Live {
  served: Served;
  ctx: TargetContext;
  active: FuzzTarget[];
  sockets: Map<string, dgram.Socket[]>;
}

async function launch(targets: FuzzTarget[], extra: string[], log: (l: string) => void): Promise<{ live: Live; skipped: string[] }> {
  let list = targets;
  const skipped: string[] = [];
  for (;;) {
    const ctx: TargetContext = { radiusSecret: 'fuzz-secret', ports: {} };
    for (const t of list) ctx.ports[t.name] = await freePort(t.transport === 'udp');
    // Listeners the health check needs even when not fuzzed.
    for (const name of ['cl', 'co', 'admin', 'mmsc', 'pap']) ctx.ports[name] ??= await freePort(name === 'cl' || name === 'co');
    const always = TARGETS.filter((t) => ['cl', 'co', 'admin', 'mmsc', 'pap'].includes(t.name) && !list.includes(t));
    const flags = [...[...list, ...always].flatMap((t) => t.flags(ctx.ports[t.name]!, ctx)), ...extra];
    try {
      const served = await startServe(flags, `http://127.0.0.1:${ctx.ports.admin}/readyz`);
      const sockets = new Map<string, dgram.Socket[]>();
      for (const t of list.filter((x) => x.transport === 'udp')) {
        const pool: dgram.Socket[] = [];
        for (let i = 0; i < 8; i++) {
          const s = dgram.createSocket('udp4');
          s.on('message', () => {});
          s.on('error', () => {});
          await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
          pool.push(s);
        }
        sockets.set(t.name, pool);
      }
      return { live: { served, ctx, active: list, sockets }, skipped };
    } catch (e) {
      const msg = (e as Error).message;
      // An optional listener this serve does not have: its flag is an unknown option.
      const drop = list.find((t) => t.optional && /unknown|unrecogni[sz]ed|not (a )?known/i.test(msg) && msg.includes(t.flags(1, ctx)[0]!.replace(/^--/, '')));
      if (!drop) throw e;
      log(`target ${drop.name}: this serve has no ${drop.flags(1, ctx)[0]} — skipped`);
      skipped.push(drop.name);
      list = list.filter((t) => t !== drop);
    }
  }
}

async function shutdown(l: Live): Promise<void> {
  for (const pool of l.sockets.values()) for (const s of pool) s.close();
  await l.served.stop();
}

/** Sends one input; UDP datagrams go out back to back from one of the target's sockets. */
async function send(l: Live, t: FuzzTarget, data: Buffer[], rng: Rng, tcp: Promise<void>[]): Promise<void> {
  const port = l.ctx.ports[t.name]!;
  if (t.transport === 'udp') {
    const s = rng.pick(l.sockets.get(t.name)!);
    for (const d of data) s.send(d, port, '127.0.0.1');
    return;
  }
  // Up to TCP_IN_FLIGHT connections at once; a request the listener waits on (partial, slow) is cut after 1 s.
  const p = tcpExchange(port, data[0]!, 1000).finally(() => tcp.splice(tcp.indexOf(p), 1));
  tcp.push(p);
  if (tcp.length >= TCP_IN_FLIGHT) await Promise.race(tcp);
}

const TCP_IN_FLIGHT = 48;

function pickTarget(rng: Rng, list: FuzzTarget[], total: number): FuzzTarget {
  let x = rng.int(total);
  for (const t of list) if ((x -= t.weight) < 0) return t;
  return list[list.length - 1]!;
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const log = o.log ?? (() => {});
  const batchSize = o.batch ?? 1000;
  const maxRss = o.maxRssMiB ?? 768;
  const rng = new Rng(o.seed);
  const seeds: Seeds = loadSeeds();
  const wanted = o.targets ? TARGETS.filter((t) => o.targets!.includes(t.name)) : TARGETS;
  let { live, skipped } = await launch(wanted, o.serveFlags ?? [], log);
  const report: FuzzReport = { seed: o.seed, seconds: 0, inputs: 0, perTarget: {}, batches: 0, healthChecks: 0, findings: [], restarts: 0, skippedTargets: skipped, rssMiB: {} };
  report.rssMiB.start = rssMiB(live.served.pid);
  const t0 = Date.now();
  const deadline = t0 + o.seconds * 1000;
  let batch: { target: string; data: Buffer[] }[] = [];
  const save = (kind: Finding['kind'], detail: string): void => {
    mkdirSync(o.corpusDir, { recursive: true });
    const file = join(o.corpusDir, `${kind}-seed${o.seed}-batch${report.batches}.json`);
    const inputs: FuzzInput[] = batch.map((b) => ({ target: b.target, data: b.data.map((d) => d.toString('hex')) }));
    writeFileSync(file, `${JSON.stringify({ kind, seed: o.seed, batch: report.batches, detail, inputs }, null, 1)}\n`);
    report.findings.push({ kind, batch: report.batches, detail, file });
    log(`FINDING ${kind} after batch ${report.batches}: ${detail} → ${file}`);
  };
  const restart = async (): Promise<void> => {
    await shutdown(live);
    ({ live } = await launch(live.active, o.serveFlags ?? [], log));
    report.restarts++;
  };

  try {
    while (Date.now() < deadline && (o.maxInputs === undefined || report.inputs < o.maxInputs)) {
      const total = live.active.reduce((n, t) => n + t.weight, 0);
      const tcp: Promise<void>[] = [];
      batch = [];
      for (let i = 0; i < batchSize && (o.maxInputs === undefined || report.inputs < o.maxInputs); i++) {
        const t = pickTarget(rng, live.active, total);
        const data = t.input(rng, seeds, live.ctx);
        batch.push({ target: t.name, data });
        await send(live, t, data, rng, tcp);
        report.inputs++;
        report.perTarget[t.name] = (report.perTarget[t.name] ?? 0) + 1;
        if ((i & 31) === 31) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(tcp);
      report.batches++;
      // Alive?
      await new Promise((r) => setTimeout(r, 20));
      if (live.served.exit) {
        save('crash', `exit ${live.served.exit.code ?? live.served.exit.signal}: ${live.served.stderr.join('').slice(-2000)}`);
        await restart();
        continue;
      }
      // Served?
      const active = new Set(live.active.map((t) => t.name));
      let h = await checkHealth(live.ctx, active, o.healthTimeoutMs);
      report.healthChecks++;
      if (!h.ok) {
        await new Promise((r) => setTimeout(r, 2000));
        h = await checkHealth(live.ctx, active, o.healthTimeoutMs);
        report.healthChecks++;
      }
      if (!h.ok) {
        save(live.served.exit ? 'crash' : 'hang', h.failed.join('; '));
        await restart();
        continue;
      }
      // Within the cap?
      const rss = rssMiB(live.served.pid);
      if (rss !== undefined) {
        report.rssMiB.peak = Math.max(report.rssMiB.peak ?? 0, rss);
        if (report.batches === 5 || (report.rssMiB.warm === undefined && Date.now() - t0 > o.seconds * 100)) report.rssMiB.warm = rss;
        if (rss > maxRss) {
          save('rss', `RSS ${rss.toFixed(0)} MiB > cap ${maxRss} MiB`);
          await restart();
          continue;
        }
      }
      if (report.batches % 20 === 0) log(`${report.inputs} inputs, ${((Date.now() - t0) / 1000).toFixed(0)} s, RSS ${rss?.toFixed(0)} MiB, findings ${report.findings.length}`);
    }
    report.rssMiB.end = rssMiB(live.served.pid);
    const { warm, end } = report.rssMiB;
    if (warm !== undefined && end !== undefined && end - warm > (o.leakMiB ?? 256)) save('leak', `RSS grew ${warm.toFixed(0)} → ${end.toFixed(0)} MiB over the round`);
  } finally {
    report.seconds = (Date.now() - t0) / 1000;
    await shutdown(live);
  }
  return report;
}

/** Sends every input of a corpus file to a fresh gateway and checks it is still alive and serving. */
export async function replayCorpus(inputs: FuzzInput[], opts: { healthTimeoutMs?: number } = {}): Promise<{ alive: boolean; health: Awaited<ReturnType<typeof checkHealth>> }> {
  const names = new Set(inputs.map((i) => i.target));
  const { live } = await launch(TARGETS.filter((t) => names.has(t.name) || ['cl', 'co'].includes(t.name)), [], () => {});
  try {
    const rng = new Rng(1);
    const tcp: Promise<void>[] = [];
    for (const i of inputs) {
      const t = live.active.find((x) => x.name === i.target);
      if (t) await send(live, t, i.data.map((d) => Buffer.from(d, 'hex')), rng, tcp);
    }
    await Promise.all(tcp);
    await new Promise((r) => setTimeout(r, 200));
    const health = await checkHealth(live.ctx, new Set(live.active.map((t) => t.name)), opts.healthTimeoutMs);
    return { alive: !live.served.exit, health };
  } finally {
    await shutdown(live);
  }
}
