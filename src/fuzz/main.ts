/**
 * `npm run fuzz -- --seconds N [--seed S] [--max-inputs N] [--batch N] [--corpus DIR] [--targets a,b]
 * [--max-rss-mib M]`: fuzzes a running `wapgate serve` on every listener and prints the round's figures as JSON.
 * Exit status 0 when the round found nothing, 1 with findings (saved under --corpus, default
 * test/fuzz/corpus/new), 2 on bad usage. docs/fuzzing.md.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runFuzz } from './runner.ts';
import { ROOT } from './serve.ts';

const HELP = `Usage: npm run fuzz -- --seconds N [--seed S] [--max-inputs N] [--batch N] [--corpus DIR] [--targets cl,co,...] [--max-rss-mib M]\n`;

export async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        seconds: { type: 'string', default: '30' },
        seed: { type: 'string' },
        'max-inputs': { type: 'string' },
        batch: { type: 'string' },
        corpus: { type: 'string' },
        targets: { type: 'string' },
        'max-rss-mib': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const num = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`bad --${name} ${v}`);
    return n;
  };
  try {
    const seed = num(values.seed, 'seed') ?? Math.floor(Math.random() * 2 ** 31);
    const report = await runFuzz({
      seconds: num(values.seconds, 'seconds')!,
      seed,
      maxInputs: num(values['max-inputs'], 'max-inputs'),
      batch: num(values.batch, 'batch'),
      maxRssMiB: num(values['max-rss-mib'], 'max-rss-mib'),
      corpusDir: values.corpus ?? join(ROOT, 'test', 'fuzz', 'corpus', 'new'),
      targets: values.targets?.split(',').map((s) => s.trim()),
      log: (l) => process.stderr.write(`${new Date().toISOString()} ${l}\n`),
    });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.findings.length ? 1 : 0;
  } catch (e) {
    process.stderr.write(`fuzz: ${(e as Error).message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
