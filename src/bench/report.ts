/** Medians, ratios and the printed table of `wapgate bench`. */

export function median(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const v = [...xs].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]!;
}

export interface RunSample {
  tps: number;
  ok: number;
  requested: number;
  /** Mean time per transaction (Little's law for fakewap; measured for our own load generator). */
  meanMs: number;
  p50Ms?: number;
  p99Ms?: number;
  /** CPU seconds the gateway's processes spent per 1000 transactions. */
  cpuPer1000: number;
  /** One-phone fakewap cases: ms per transaction with fakewap's process startup taken out (see bench.ts). */
  marginalMs?: number;
}

export interface CaseResult {
  name: string;
  what: string;
  gateway: string;
  runs: RunSample[];
}

export function summarize(r: CaseResult) {
  return {
    name: r.name,
    gateway: r.gateway,
    tps: median(r.runs.map((x) => x.tps)),
    runsTps: r.runs.map((x) => x.tps),
    okRatio: r.runs.reduce((a, x) => a + x.ok, 0) / Math.max(1, r.runs.reduce((a, x) => a + x.requested, 0)),
    meanMs: median(r.runs.map((x) => x.meanMs)),
    p50Ms: median(r.runs.map((x) => x.p50Ms ?? NaN)),
    p99Ms: median(r.runs.map((x) => x.p99Ms ?? NaN)),
    cpuPer1000: median(r.runs.map((x) => x.cpuPer1000)),
    marginalMs: median(r.runs.map((x) => x.marginalMs ?? NaN)),
  };
}

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(headers), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n');
}

export { fmt };
