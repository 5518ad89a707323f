/**
 * `wapgate bench`: first the per-core comparison (src/bench/pinned.ts: each gateway pinned to one core, our light
 * generator and the upstream on the other; `--pinned` runs only that), then the cross-check with an independent
 * client: wapgate, Kannel and plain HTTP measured in one run, back to back, against the same upstream, driven by
 * the same client (Kannel's fakewap through ../shared/peers/kannel/fakewap-load.sh), plus our own
 * load generator (`wapgate phone load`). Prints medians, ratios, latency, CPU per 1000 transactions and peak RSS.
 * A script, not a test: bounded in time, loopback only.
 */
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FAKEWAP_CASES, mSendReqOfSize, scaled, type FakewapCase } from '../bench/cases.ts';
import { startKannel, stopKannel } from '../bench/kannel.ts';
import { childPids, cpuSeconds, memoryMiB, run, start, stop, waitForClReply, waitForHttp, type Started } from '../bench/procs.ts';
import { PINNED_CASES, renderPinned, runPinned, type PinnedResult } from '../bench/pinned.ts';
import { summarizeProfileFile } from '../bench/profile.ts';
import { render, type HalfLoad, type IdleMemory } from '../bench/fakewap-report.ts';
import { fmt, median, summarize, type CaseResult, type RunSample } from '../bench/report.ts';
import { installedCliArgs, nodeArgs, ownModule, packageRoot } from '../runtime/entry.ts';

const ROOT = packageRoot();
/**
 * Source addresses of the load when --workers is given (fakewap -I through a wrapper, phone load --bind). Inside
 * 127.0.0.0/24 because the Kannel peer takes WDP only from there (kannel.conf: udp-allow-ip = "127.0.0.*"), and
 * every gateway must see the same clients.
 */
const CLIENT_ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${21 + i}`);
/** Where the multi-threaded wapgate listens beside the single-thread one (127.0.0.1) and Kannel (127.0.0.2). */
const WORKERS_HOST = '127.0.0.4';
const HELP = `Usage: wapgate bench [options]

Per core (first; --pinned: only this): wapgate, then Kannel's bearerbox + wapbox, pinned to one core with taskset,
\`wapgate phone load\` and the upstream on the other; saturated tps, gateway CPU per transaction (/proc), p50/p99
at half load, RSS, plain HTTP through the same generator, and issue 19's targets checked.

  --pinned           only the per-core comparison
  --no-pinned        skip it (only the fakewap cross-check below)
  --pinned-cases L   subset of: ${PINNED_CASES.map((c) => c.name).join(', ')}
  --duration S       seconds per per-core sample (default 5); --warmup S: uncounted, per case and gateway (default 4)
  --phones N         phones of the per-core generator (default 32)
  --gateway-cpu N    core of the gateway under test (default 0); --load-cpu N: generator and upstream (default 1)
  --wapgate-host A   where the per-core wapgate listens (default 127.0.0.6)
  --profile-summary F  only print top-N tables of a node --cpu-prof profile F (--top N, default 30)

Then (the cross-check with an independent client) runs every case against wapgate (127.0.0.1) and Kannel (127.0.0.2) back to back, and plain HTTP to the same
upstream, and prints medians and ratios.

  --runs N           runs per case and gateway (default 3); medians are reported
  --cases LIST       comma-separated subset of: ${FAKEWAP_CASES.map((c) => c.name).join(', ')}, http, own, idle
  --scale F          multiply transaction counts by F (e.g. 0.2 for a quick look)
  --peers DIR        the Kannel peer harness (default ../shared/peers/kannel)
  --with-kannel      install Kannel when it is missing (start.sh does it)
  --no-kannel        measure wapgate and HTTP only
  --idle-sessions N  the memory case: N idle CO sessions (default 100000 × scale)
  --upstream-port N  port of the benchmark upstream (default 8040)
  --workers N        also run wapgate with --gateway-workers N (on 127.0.0.4) beside the single-thread one, and
                     print the scaling; every client then spreads over ${CLIENT_ADDRESSES.length} source addresses (worker affinity is
                     by client address, so one address would use one worker)
  --json             print the results as JSON on stdout (the table goes to stderr)
`;

interface Gateway {
  name: string;
  host: string;
  pids: () => number[];
}


export async function run_(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      runs: { type: 'string', default: '3' },
      cases: { type: 'string' },
      scale: { type: 'string', default: '1' },
      peers: { type: 'string', default: join(ROOT, '..', 'shared', 'peers', 'kannel') },
      'with-kannel': { type: 'boolean', default: false },
      'no-kannel': { type: 'boolean', default: false },
      'idle-sessions': { type: 'string' },
      'upstream-port': { type: 'string', default: '8040' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      pinned: { type: 'boolean', default: false },
      'no-pinned': { type: 'boolean', default: false },
      'pinned-cases': { type: 'string', default: PINNED_CASES.map((c) => c.name).join(',') },
      duration: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '4' },
      phones: { type: 'string', default: '32' },
      'gateway-cpu': { type: 'string', default: '0' },
      'load-cpu': { type: 'string', default: '1' },
      'wapgate-host': { type: 'string', default: '127.0.0.6' },
      'profile-summary': { type: 'string' },
      top: { type: 'string', default: '30' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values['profile-summary']) {
    process.stdout.write(summarizeProfileFile(values['profile-summary'], Number(values.top)) + '\n');
    return 0;
  }
  const runs = Math.max(1, Number(values.runs));
  let perCore: PinnedResult | undefined;
  if (!values['no-pinned']) {
    const log = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
    perCore = await runPinned({
      runs,
      durationS: Math.max(1, Number(values.duration)),
      warmupS: Math.max(1, Number(values.warmup)),
      phones: Math.max(1, Number(values.phones)),
      cases: values['pinned-cases']!.split(','),
      gatewayCpu: Number(values['gateway-cpu']),
      loadCpu: Number(values['load-cpu']),
      upstreamPort: Number(values['upstream-port']),
      peers: resolve(values.peers!),
      kannel: !values['no-kannel'],
      wapgateHost: values['wapgate-host']!,
      progress: log,
    });
    const text = renderPinned(perCore, runs) + '\n';
    if (values.pinned) {
      if (values.json) process.stdout.write(JSON.stringify(perCore, null, 2) + '\n');
      (values.json ? process.stderr : process.stdout).write(text);
      return 0;
    }
    (values.json ? process.stderr : process.stdout).write(text + '\n');
  }
  const factor = Number(values.scale) > 0 ? Number(values.scale) : 1;
  const wanted = new Set((values.cases ?? [...FAKEWAP_CASES.map((c) => c.name), 'http', 'own', 'idle'].join(',')).split(','));
  const peers = resolve(values.peers!);
  const uport = Number(values['upstream-port']);
  const base = `http://127.0.0.1:${uport}`;
  const progress = (s: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
  const notes: string[] = [];
  const work = mkdtempSync(join(tmpdir(), 'wapgate-bench-'));
  const started: Started[] = [];
  let kannelUp = false;
  const kannelRun = join(work, 'kannel');

  try {
    // 1. The upstream, in its own process.
    const up = start(process.execPath, [...nodeArgs(ownModule('bench/upstream')), String(uport), '127.0.0.1']);
    started.push(up);
    await waitForHttp(`${base}/status`);
    progress(`upstream ready on ${base}`);

    // 2. wapgate.
    let gw = await startWapgate(base, []);
    started.push(gw);
    const wapgatePids = () => [gw.child.pid!, ...childPids(gw.child.pid!)];
    const gateways: Gateway[] = [{ name: 'wapgate', host: '127.0.0.1', pids: wapgatePids }];
    progress(`wapgate ready (pid ${gw.child.pid})`);
    const workers = values.workers ? Math.max(2, Number(values.workers)) : 0;
    let fakewapBin: string | undefined;
    if (workers) {
      const gwN = await startWapgate(base, ['--gateway-workers', String(workers)], WORKERS_HOST);
      started.push(gwN);
      gateways.push({ name: `wapgate-w${workers}`, host: WORKERS_HOST, pids: () => [gwN.child.pid!] });
      progress(`wapgate with ${workers} worker threads ready on ${WORKERS_HOST} (pid ${gwN.child.pid})`);
      fakewapBin = fakewapWrapper(work);
    }

    // 3. Kannel, side by side on 127.0.0.2.
    const fakewapLoad = join(peers, 'fakewap-load.sh');
    const haveFakewap = existsSync(fakewapLoad) && existsSync('/usr/lib/kannel/test/fakewap');
    if (!haveFakewap) notes.push(`fakewap cases skipped: ${fakewapLoad} or /usr/lib/kannel/test/fakewap missing (apt-get install kannel-extras)`);
    if (values['no-kannel']) notes.push('Kannel skipped (--no-kannel)');
    else if (!existsSync('/usr/sbin/bearerbox') && !values['with-kannel']) notes.push('Kannel not installed: skipped (use --with-kannel to install it)');
    else if (!existsSync(join(peers, 'start.sh'))) notes.push(`Kannel skipped: ${peers}/start.sh missing`);
    else {
      const r = await startKannel(peers, kannelRun, progress);
      if (r.code !== 0) notes.push(`Kannel failed to start: ${r.out.trim().split('\n').slice(-3).join(' / ')}`);
      else {
        kannelUp = true;
        const kpids = r.pids;
        gateways.push({ name: 'kannel', host: '127.0.0.2', pids: () => kpids });
        progress(`Kannel ready (pids ${kpids.join(', ')})`);
      }
    }

    const bodies = new Map<number, string>();
    for (const size of [300, 2000]) {
      const f = join(work, `send-req-${size}.mms`);
      writeFileSync(f, mSendReqOfSize(size));
      bodies.set(size, f);
    }

    const results: CaseResult[] = [];
    const cases = FAKEWAP_CASES.filter((c) => wanted.has(c.name)).map((c) => scaled(c, factor));
    if (haveFakewap && cases.length) {
      // Warm-up, not counted: a freshly started Node process runs its first thousand transactions through the
      // interpreter and the JIT; the measured cases (co-get-1 has only 100 transactions) must see a warm gateway.
      for (const g of gateways) {
        progress(`warm-up on ${g.name} (CO and CL, not counted)`);
        for (const c of [FAKEWAP_CASES[0]!, FAKEWAP_CASES[1]!, FAKEWAP_CASES[2]!]) await fakewapRun(fakewapLoad, g, scaled(c, 0.05), base, bodies, fakewapBin);
      }
    }
    if (haveFakewap) {
      for (const c of cases) {
        for (const g of gateways) results.push({ name: c.name, what: c.what, gateway: g.name, runs: [] });
        for (let i = 0; i < runs; i++) {
          // Interleave the gateways run by run, so drifting machine noise hits both alike.
          for (const g of gateways) {
            progress(`${c.name} run ${i + 1}/${runs} on ${g.name} (${c.transactions} transactions)`);
            const sample = await fakewapRun(fakewapLoad, g, c, base, bodies, fakewapBin);
            if (c.phones === 1 && sample.ok > 1 && sample.elapsedS !== undefined) {
              // fakewap-load.sh times the whole fakewap process, whose startup and first exchange take ~85 ms: a
              // one-transaction run measures that, and the difference is the time per transaction at the margin.
              const one = await fakewapRun(fakewapLoad, g, { ...c, transactions: 1 }, base, bodies, fakewapBin);
              if (one.ok === 1 && one.elapsedS !== undefined) sample.marginalMs = ((sample.elapsedS - one.elapsedS) * 1000) / (sample.ok - 1);
            }
            results.find((r) => r.name === c.name && r.gateway === g.name)!.runs.push(sample);
          }
        }
      }
    }

    let httpTps = NaN;
    if (wanted.has('http')) {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        progress(`plain HTTP run ${i + 1}/${runs}`);
        samples.push(await httpRun(`${base}/mms`));
      }
      httpTps = median(samples);
      results.push({ name: 'http', what: 'plain HTTP to the upstream, 16 connections', gateway: 'http', runs: samples.map((tps) => ({ tps, ok: 1, requested: 1, meanMs: 16_000 / tps, cpuPer1000: NaN })) });
    }

    let halfLoad: HalfLoad | undefined;
    if (wanted.has('own')) {
      const ours = gateways.filter((g) => g.name.startsWith('wapgate'));
      const spread = workers ? ['--bind', CLIENT_ADDRESSES.join(',')] : [];
      for (const mode of ['cl', 'co'] as const) {
        const rs = ours.map((g): CaseResult => ({ name: `own-${mode}-get`, what: `our load generator, ${mode.toUpperCase()} Get, 64 phones, closed loop`, gateway: g.name, runs: [] }));
        for (let i = 0; i < runs; i++) {
          // Interleaved run by run, like the fakewap cases.
          for (const [j, g] of ours.entries()) {
            progress(`own load generator ${mode} run ${i + 1}/${runs} on ${g.name}`);
            const s = await ownRun(['--gateway', `${g.host}:${mode === 'cl' ? 9200 : 9201}`, ...(mode === 'cl' ? ['--cl'] : []), ...spread], `${base}/mms`, g.pids);
            if (s) rs[j]!.runs.push(s);
            else notes.push(`own load generator (${mode}, ${g.name}) did not run: wapgate phone load failed`);
          }
        }
        for (const r of rs) if (r.runs.length) results.push(r);
      }
      // Added latency at half of the maximum load: open loop at half the closed-loop CL maximum, through wapgate
      // and straight to the upstream with the same generator at the same rate; the difference is wapgate's.
      const max = summarize(results.find((x) => x.name === 'own-cl-get') ?? { name: '', what: '', gateway: '', runs: [] }).tps;
      if (Number.isFinite(max) && max > 0) {
        const rate = Math.max(10, Math.round(max / 2));
        const gwR: CaseResult = { name: 'own-cl-half', what: `CL Get, open loop at ${rate}/s (half of the maximum)`, gateway: 'wapgate', runs: [] };
        const hR: CaseResult = { name: 'own-http-half', what: `plain HTTP, open loop at ${rate}/s (same generator)`, gateway: 'http', runs: [] };
        for (let i = 0; i < runs; i++) {
          progress(`half load (${rate}/s) run ${i + 1}/${runs}: wapgate, then plain HTTP`);
          const a = await ownRun(['--gateway', '127.0.0.1:9200', '--cl', '--rate', String(rate)], `${base}/mms`, wapgatePids);
          const b = await ownRun(['--http', '--rate', String(rate)], `${base}/mms`, () => []);
          if (a) gwR.runs.push(a);
          if (b) hR.runs.push(b);
        }
        results.push(gwR, hR);
        const g = summarize(gwR);
        const h = summarize(hR);
        halfLoad = { rate, wapgateP50Ms: g.p50Ms, wapgateP99Ms: g.p99Ms, httpP50Ms: h.p50Ms, httpP99Ms: h.p99Ms, addedP50Ms: g.p50Ms - h.p50Ms, addedP99Ms: g.p99Ms - h.p99Ms };
      }
    }

    let idle: IdleMemory | undefined;
    const idleN = Math.round(values['idle-sessions'] ? Number(values['idle-sessions']) : 100_000 * Math.min(1, factor));
    if (wanted.has('idle') && idleN > 0) {
      // The memory figure needs a gateway whose session table holds them all: restart it with a larger maximum.
      progress(`memory: restarting wapgate with --gateway-session-max ${idleN + 10_000}`);
      const peakBefore = wapgatePids().reduce((a, p) => a + memoryMiB(p).peak, 0);
      await stop(gw);
      gw = await startWapgate(base, ['--gateway-session-max', String(idleN + 10_000)]);
      started.push(gw);
      idle = await idleRun(idleN, gw.child.pid!, progress);
      idle.peakRssBeforeMiB = peakBefore;
      if (idle.opened < idleN) notes.push(`memory: only ${idle.opened} of ${idleN} idle sessions opened (${idle.failed} failed)`);
    }

    const mem = gateways.map((g) => ({
      gateway: g.name,
      // The load cases ran on the first wapgate process (the memory case restarts it).
      peakRssMiB: g.name === 'wapgate' && idle ? idle.peakRssBeforeMiB ?? NaN : g.pids().reduce((a, p) => a + memoryMiB(p).peak, 0),
    }));
    const summary = results.map(summarize);
    if (values.json) {
      process.stdout.write(JSON.stringify({ date: new Date().toISOString(), runs, scale: factor, perCore, summary, memory: mem, httpTps, halfLoad, idle, notes }, null, 2) + '\n');
      process.stderr.write(render(CLIENT_ADDRESSES.length, summary, mem, httpTps, halfLoad, idle, notes, runs) + '\n');
    } else {
      process.stdout.write(render(CLIENT_ADDRESSES.length, summary, mem, httpTps, halfLoad, idle, notes, runs) + '\n');
    }
    return 0;
  } finally {
    if (kannelUp) await stopKannel(peers, kannelRun);
    for (const s of started.reverse()) await stop(s);
  }
}

export { run_ as run };


async function fakewapRun(script: string, g: Gateway, c: FakewapCase, base: string, bodies: Map<number, string>, bin?: string): Promise<RunSample & { elapsedS?: number }> {
  const env: NodeJS.ProcessEnv = { FAKEWAP_PROCS: String(c.phones), FAKEWAP_TIMEOUT: '120' };
  if (bin) env.FAKEWAP_BIN = bin;
  if (c.postBytes) env.FAKEWAP_POST_FILE = bodies.get(c.postBytes)!;
  const pids = g.pids();
  const cpu0 = pids.reduce((a, p) => a + cpuSeconds(p), 0);
  const r = await run('bash', [script, g.host, String(c.port), `${base}${c.path}`, String(c.transactions)], env, 200_000);
  const cpu1 = pids.reduce((a, p) => a + cpuSeconds(p), 0);
  const kv = Object.fromEntries([...r.out.matchAll(/(\w+)=([^\s]+)/g)].map((m) => [m[1], m[2]]));
  const ok = Number(kv.ok ?? 0);
  return {
    tps: Number(kv.tps ?? 0),
    ok,
    requested: c.transactions,
    meanMs: Number(kv.mean_txn_ms_littles_law ?? NaN),
    cpuPer1000: ok > 0 ? ((cpu1 - cpu0) * 1000) / ok : NaN,
    ...(kv.elapsed_s !== undefined ? { elapsedS: Number(kv.elapsed_s) } : {}),
  };
}

async function httpRun(url: string): Promise<number> {
  const wrk = await run('sh', ['-c', 'command -v wrk'], {}, 5000);
  if (wrk.code === 0) {
    const r = await run('wrk', ['-t2', '-c16', '-d8s', url], {}, 30_000);
    const m = /Requests\/sec:\s+([\d.]+)/.exec(r.out);
    if (m) return Number(m[1]);
  }
  // No wrk: a closed loop of 16 keep-alive connections through undici for 8 s.
  const { Pool } = await import('undici');
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 16, pipelining: 1 });
  const end = Date.now() + 8000;
  let n = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < end) {
        const res = await pool.request({ path: u.pathname, method: 'GET' });
        await res.body.arrayBuffer();
        n++;
      }
    }),
  );
  await pool.close();
  return n / 8;
}

async function ownRun(extra: string[], url: string, pids: () => number[]): Promise<RunSample | undefined> {
  const p = pids();
  const cpu0 = p.reduce((a, x) => a + cpuSeconds(x), 0);
  const args = [join(ROOT, 'bin', 'wapgate.js'), 'phone', 'load', '--phones', '64', '--duration', '8', '--json', ...extra, url];
  const r = await run(process.execPath, args, {}, 60_000);
  const cpu1 = p.reduce((a, x) => a + cpuSeconds(x), 0);
  try {
    const j = JSON.parse(r.out.slice(r.out.indexOf('{'))) as { tps: number; ok: number; requested: number; meanMs: number; p50Ms: number; p99Ms: number; late: number };
    return { ...j, cpuPer1000: j.ok > 0 && p.length ? ((cpu1 - cpu0) * 1000) / j.ok : NaN };
  } catch {
    return undefined;
  }
}

/**
 * fakewap through a wrapper that gives each process a source address of CLIENT_ADDRESSES (`-I`), picked by
 * its pid: fakewap-load.sh starts every phone as its own process and takes the binary from FAKEWAP_BIN.
 */
function fakewapWrapper(dir: string): string {
  const f = join(dir, 'fakewap-spread.sh');
  const list = CLIENT_ADDRESSES.join(' ');
  writeFileSync(f, `#!/bin/sh\nset -- -I "$(echo ${list} | cut -d' ' -f$(( $$ % ${CLIENT_ADDRESSES.length} + 1 )))" "$@"\nexec /usr/lib/kannel/test/fakewap "$@"\n`);
  chmodSync(f, 0o755);
  return f;
}

async function startWapgate(base: string, extra: string[], host = '127.0.0.1'): Promise<Started> {
  // Its own state directory: the store file admits one running wapgate (the bench runs two at once with --workers).
  const state = mkdtempSync(join(tmpdir(), 'wapgate-bench-state-'));
  // As the installed command runs it: bin/wapgate.js with its shebang's V8 flags.
  const args = [...installedCliArgs(), 'serve', '--state-dir', state, '--bind', host, '--upstream', `${base}/mms`, '--allow-upstream', base, '--pap-port', '0', '--admin-port', '0', ...extra];
  const gw = start(process.execPath, args, { WAPGATE_LOG_LEVEL: 'warn', NODE_ENV: 'production' });
  try {
    await waitForClReply(host, 9200, `${base}/mms`);
  } catch (e) {
    process.stderr.write(gw.output());
    await stop(gw);
    throw e;
  }
  return gw;
}


/** Gateway RSS empty, then with `n` idle CO sessions held open by `wapgate phone load --idle-sessions`. */
async function idleRun(n: number, gwPid: number, progress: (s: string) => void): Promise<IdleMemory> {
  await new Promise((r) => setTimeout(r, 2000));
  const empty = memoryMiB(gwPid).rss;
  progress(`memory: empty gateway ${fmt(empty)} MiB RSS; opening ${n} idle CO sessions`);
  const t0 = Date.now();
  const holder = start(process.execPath, [join(ROOT, 'bin', 'wapgate.js'), 'phone', 'load', '--idle-sessions', String(n), '--gateway', '127.0.0.1:9201']);
  let ready: { opened: number; failed: number } = { opened: 0, failed: n };
  try {
    const deadline = Date.now() + 15 * 60_000;
    let last = 0;
    while (Date.now() < deadline && holder.child.exitCode === null) {
      const m = /\{"ready":true,"opened":(\d+),"failed":(\d+)\}/.exec(holder.output());
      if (m) {
        ready = { opened: Number(m[1]), failed: Number(m[2]) };
        break;
      }
      if (Date.now() - last > 10_000) {
        last = Date.now();
        progress(`memory: opening sessions… gateway RSS ${fmt(memoryMiB(gwPid).rss)} MiB`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const openSeconds = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 3000)); // let the last WTP transactions finish and be dropped
    const loaded = memoryMiB(gwPid).rss;
    progress(`memory: ${ready.opened} sessions open, gateway ${fmt(loaded)} MiB RSS`);
    return {
      sessions: n,
      opened: ready.opened,
      failed: ready.failed,
      emptyRssMiB: empty,
      loadedRssMiB: loaded,
      addedMiB: loaded - empty,
      bytesPerSession: ready.opened > 0 ? ((loaded - empty) * 1024 * 1024) / ready.opened : NaN,
      openSeconds,
    };
  } finally {
    await stop(holder, 60_000);
  }
}
