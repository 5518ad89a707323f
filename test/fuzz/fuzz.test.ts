/**
 * The fuzzer against a real `wapgate serve` child process: a short seeded round on every listener comes back
 * clean (CI's round; `npm run fuzz -- --seconds N` is the long one), every input saved to test/fuzz/corpus/ by an
 * earlier round (a crash, hang or leak, since fixed) is replayed to a fresh gateway that must stay alive and
 * serving, and the generators are repeatable from their seed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mutate } from '../../src/fuzz/mutate.ts';
import { Rng } from '../../src/fuzz/rng.ts';
import { replayCorpus, runFuzz, type FuzzInput } from '../../src/fuzz/runner.ts';
import { loadSeeds, TARGETS } from '../../src/fuzz/targets.ts';
import { tempDir } from '../support/tools.ts';

const CORPUS = join(import.meta.dirname, 'corpus');
const corpusFiles = existsSync(CORPUS) ? readdirSync(CORPUS).filter((f) => f.endsWith('.json')).sort() : [];

describe('fuzz inputs', () => {
  it('are the same for the same seed, and differ for another', () => {
    const seeds = loadSeeds();
    const ctx = { radiusSecret: 's', ports: {} };
    const run = (seed: number) => {
      const rng = new Rng(seed);
      return TARGETS.flatMap((t) => Array.from({ length: 20 }, () => Buffer.concat(t.input(rng, seeds, ctx)).toString('hex')));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('mutations stay under the size cap', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 2000; i++) expect(mutate(rng, rng.bytes(rng.int(3000)), rng.bytes(100), 4096).length).toBeLessThanOrEqual(4096);
  });
});

describe('fuzzing the running gateway', () => {
  it('a short seeded round on every listener: the gateway stays up, serves a healthy client, stays under its RSS cap', async () => {
    const report = await runFuzz({ seconds: 8, maxInputs: 3000, seed: 20261205, batch: 1000, corpusDir: tempDir(), maxRssMiB: 768 });
    expect(report.findings, JSON.stringify(report.findings)).toEqual([]);
    expect(report.inputs).toBeGreaterThan(500);
    expect(report.healthChecks).toBeGreaterThanOrEqual(1);
    for (const t of ['cl', 'co', 'radius', 'pap', 'admin', 'mmsc']) expect(report.perTarget[t], t).toBeGreaterThan(0);
  }, 180_000);

  it.each(corpusFiles.length ? corpusFiles : ['(none saved yet)'])('corpus %s: replayed to a fresh gateway, which stays up and serving', async (file) => {
    if (!file.endsWith('.json')) return;
    const { inputs } = JSON.parse(readFileSync(join(CORPUS, file), 'utf8')) as { inputs: FuzzInput[] };
    const r = await replayCorpus(inputs);
    expect(r.alive).toBe(true);
    expect(r.health.failed).toEqual([]);
  }, 180_000);
});
