/** The printed table of `wapgate bench`'s fakewap cross-check (src/cli/bench.ts), with its own-generator lines. */
import { fmt, summarize, table } from './report.ts';

export interface HalfLoad {
  rate: number;
  wapgateP50Ms: number;
  wapgateP99Ms: number;
  httpP50Ms: number;
  httpP99Ms: number;
  addedP50Ms: number;
  addedP99Ms: number;
}

export interface IdleMemory {
  sessions: number;
  opened: number;
  failed: number;
  emptyRssMiB: number;
  loadedRssMiB: number;
  addedMiB: number;
  bytesPerSession: number;
  openSeconds: number;
  peakRssBeforeMiB?: number;
}

export function render(
  clientAddresses: number,
  summary: ReturnType<typeof summarize>[],
  mem: { gateway: string; peakRssMiB: number }[],
  httpTps: number,
  half: HalfLoad | undefined,
  idle: IdleMemory | undefined,
  notes: string[],
  runs: number,
): string {
  const names = [...new Set(summary.map((s) => s.name))];
  const rows = names.map((n) => {
    const w = summary.find((s) => s.name === n && s.gateway === 'wapgate');
    const k = summary.find((s) => s.name === n && s.gateway === 'kannel');
    const h = summary.find((s) => s.name === n && s.gateway === 'http');
    const main = w ?? h!;
    return [
      n,
      fmt(main.tps),
      k ? fmt(k.tps) : '—',
      k && w ? `${fmt(w.tps / k.tps, 2)}×` : '—',
      w && Number.isFinite(httpTps) ? `${fmt((100 * w.tps) / httpTps, 1)} %` : '—',
      fmt(main.meanMs, 2),
      k ? fmt(k.meanMs, 2) : '—',
      `${fmt(main.p50Ms, 2)} / ${fmt(main.p99Ms, 2)}`,
      fmt(main.cpuPer1000, 2),
      k ? fmt(k.cpuPer1000, 2) : '—',
      `${fmt(main.okRatio * 100, 1)} %`,
    ];
  });
  const out = [
    `wapgate bench — medians of ${runs} run(s) per case; one machine, both gateways up, runs interleaved`,
    '',
    table(
      ['case', 'wapgate tps', 'kannel tps', 'wapgate/kannel', 'of HTTP', 'wapgate ms/txn', 'kannel ms/txn', 'p50/p99 ms', 'wapgate cpu s/1k', 'kannel cpu s/1k', 'ok'],
      rows,
    ),
    '',
    `plain HTTP ceiling: ${fmt(httpTps)} req/s`,
    `peak RSS: ${mem.map((m) => `${m.gateway} ${fmt(m.peakRssMiB)} MiB`).join(', ')}`,
  ];
  for (const n of names) {
    const w = summary.find((s) => s.name === n && s.gateway === 'wapgate');
    const k = summary.find((s) => s.name === n && s.gateway === 'kannel');
    if (w && Number.isFinite(w.marginalMs)) {
      out.push(`${n} at the margin (fakewap's process startup taken out): wapgate ${fmt(w.marginalMs, 2)} ms per transaction` + (k && Number.isFinite(k.marginalMs) ? `, kannel ${fmt(k.marginalMs, 2)} ms` : ''));
    }
  }
  if (half) {
    out.push(
      `added latency at half of the maximum load (${half.rate} req/s, open loop, same generator): ` +
        `p50 ${fmt(half.addedP50Ms, 2)} ms, p99 ${fmt(half.addedP99Ms, 2)} ms ` +
        `(wapgate ${fmt(half.wapgateP50Ms, 2)} / ${fmt(half.wapgateP99Ms, 2)} ms, plain HTTP ${fmt(half.httpP50Ms, 2)} / ${fmt(half.httpP99Ms, 2)} ms)`,
    );
  }
  if (idle) {
    out.push(
      `idle sessions: ${idle.opened} of ${idle.sessions} CO sessions open (in ${fmt(idle.openSeconds)} s): gateway RSS ${fmt(idle.emptyRssMiB)} MiB empty → ` +
        `${fmt(idle.loadedRssMiB)} MiB, +${fmt(idle.addedMiB)} MiB (${fmt(idle.bytesPerSession, 0)} bytes per session)`,
    );
  }
  // --workers: the same cases on the multi-threaded wapgate, against the single-thread one of the same run.
  for (const many of [...new Set(summary.map((s) => s.gateway).filter((g) => /^wapgate-w\d+$/.test(g)))]) {
    const threads = many.slice('wapgate-w'.length);
    const scaling = names.flatMap((n) => {
      const a = summary.find((s) => s.name === n && s.gateway === 'wapgate');
      const b = summary.find((s) => s.name === n && s.gateway === many);
      if (!a || !b) return [];
      return [[n, fmt(a.tps), fmt(b.tps), `${fmt(b.tps / a.tps, 2)}×`, fmt(a.meanMs, 2), fmt(b.meanMs, 2), fmt(a.cpuPer1000, 2), fmt(b.cpuPer1000, 2), `${fmt(b.okRatio * 100, 1)} %`]];
    });
    out.push(
      '',
      `scaling: wapgate in one thread vs ${threads} worker threads (same run, runs interleaved; clients spread over ${clientAddresses} source addresses)`,
      table(['case', '×1 tps', `×${threads} tps`, `×${threads}/×1`, '×1 ms/txn', `×${threads} ms/txn`, '×1 cpu s/1k', `×${threads} cpu s/1k`, `×${threads} ok`], scaling),
    );
  }
  if (notes.length) out.push('', 'notes:', ...notes.map((n) => `- ${n}`));
  return out.join('\n');
}
