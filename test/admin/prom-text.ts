/**
 * A strict reader of the Prometheus text exposition format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats),
 * written from the format's description, not from prom-client, to check what prom-client produces: metric and
 * label name syntax, label value escaping, HELP/TYPE placement and uniqueness, contiguous families, unique
 * series, float syntax, and the histogram invariants (_bucket le ascending and cumulative, +Inf bucket = _count,
 * _sum present). Throws on the first violation, naming the line.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help?: string;
  samples: Sample[];
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// The format defers to Go's strconv.ParseFloat: decimal or hex floats, and (case-insensitively) NaN, Inf, Infinity.
const FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity)$|^nan$/i;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseFloatStrict(s: string, where: string): number {
  if (!FLOAT.test(s)) throw new Error(`${where}: '${s}' is not a Prometheus float`);
  if (/inf(inity)?$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return /^nan$/i.test(s) ? NaN : Number(s);
}

function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  for (const suffix of ['_bucket', '_sum', '_count', '']) {
    if (suffix && !sample.endsWith(suffix)) continue;
    const f = families.get(sample.slice(0, sample.length - suffix.length));
    if (f && (suffix === '' || f.type === 'histogram' || f.type === 'summary')) return f;
  }
  return undefined;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: Family | undefined;
  const series = new Set<string>();
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const where = `line ${i + 1} (${line.slice(0, 80)})`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) return; // plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC.test(name)) throw new Error(`${where}: bad metric name`);
      if (closed.has(name)) throw new Error(`${where}: family ${name} appears twice (not contiguous)`);
      let f = families.get(name);
      if (!f) {
        if (current && current.name !== name) closed.add(current.name);
        f = { name, type: 'untyped', samples: [] };
        families.set(name, f);
      }
      current = f;
      if (kind === 'HELP') {
        if (f.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
        f.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
      } else {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown TYPE ${rest}`);
        if (f.samples.length) throw new Error(`${where}: TYPE after samples`);
        if ((f as Family & { typed?: boolean }).typed) throw new Error(`${where}: second TYPE for ${name}`);
        (f as Family & { typed?: boolean }).typed = true;
        f.type = rest as Family['type'];
      }
      return;
    }
    // sample: name [{labels}] value [timestamp]
    const nm = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (!nm) throw new Error(`${where}: bad sample name`);
    const name = nm[1]!;
    let pos = name.length;
    const labels: Record<string, string> = {};
    if (line[pos] === '{') {
      pos++;
      for (;;) {
        if (line[pos] === '}') {
          pos++;
          break;
        }
        const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(pos));
        if (!lm) throw new Error(`${where}: bad label at column ${pos + 1}`);
        const ln = lm[1]!;
        if (!LABEL.test(ln) || ln.startsWith('__')) throw new Error(`${where}: reserved or bad label name ${ln}`);
        if (ln in labels) throw new Error(`${where}: duplicate label ${ln}`);
        pos += lm[0].length;
        let v = '';
        for (;;) {
          const c = line[pos];
          if (c === undefined) throw new Error(`${where}: unterminated label value`);
          if (c === '"') {
            pos++;
            break;
          }
          if (c === '\\') {
            const n = line[pos + 1];
            if (n === '\\') v += '\\';
            else if (n === '"') v += '"';
            else if (n === 'n') v += '\n';
            else throw new Error(`${where}: bad escape \\${n} in label value`);
            pos += 2;
            continue;
          }
          v += c;
          pos++;
        }
        labels[ln] = v;
        if (line[pos] === ',') pos++;
        else if (line[pos] !== '}') throw new Error(`${where}: expected , or } at column ${pos + 1}`);
      }
    }
    const rest = line.slice(pos);
    const vm = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
    if (!vm) throw new Error(`${where}: expected ' value [timestamp]'`);
    const value = parseFloatStrict(vm[1]!, where);
    const fam = familyOf(name, families);
    if (!fam) throw new Error(`${where}: sample ${name} has no TYPE/HELP family before it`);
    if (fam !== current) throw new Error(`${where}: sample of ${fam.name} outside its family block`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (series.has(key)) throw new Error(`${where}: duplicate series`);
    series.add(key);
    if (fam.type === 'counter' && !(value >= 0)) throw new Error(`${where}: counter below zero or NaN`);
    if (fam.type === 'histogram' && name === fam.name) throw new Error(`${where}: bare sample in a histogram family`);
    if (fam.type === 'histogram' && name.endsWith('_bucket') && !('le' in labels)) throw new Error(`${where}: bucket without le`);
    fam.samples.push({ name, labels, value });
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const k = JSON.stringify(Object.entries(rest).sort());
    const g = groups.get(k) ?? { buckets: [] };
    groups.set(k, g);
    if (s.name.endsWith('_bucket')) g.buckets.push([parseFloatStrict(le!, `${f.name} le`), s.value]);
    else if (s.name.endsWith('_sum')) g.sum = s.value;
    else if (s.name.endsWith('_count')) g.count = s.value;
  }
  for (const [k, g] of groups) {
    if (g.sum === undefined || g.count === undefined) throw new Error(`${f.name}${k}: histogram without _sum or _count`);
    for (let i = 1; i < g.buckets.length; i++) {
      if (!(g.buckets[i]![0] > g.buckets[i - 1]![0])) throw new Error(`${f.name}${k}: le not ascending`);
      if (g.buckets[i]![1] < g.buckets[i - 1]![1]) throw new Error(`${f.name}${k}: buckets not cumulative`);
    }
    const last = g.buckets[g.buckets.length - 1];
    if (!last || last[0] !== Infinity) throw new Error(`${f.name}${k}: no +Inf bucket`);
    if (last[1] !== g.count) throw new Error(`${f.name}${k}: +Inf bucket ${last[1]} ≠ _count ${g.count}`);
  }
}

/** The value of one series (labels must match exactly), or undefined. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families.values())
    for (const s of f.samples)
      if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort())) return s.value;
  return undefined;
}
