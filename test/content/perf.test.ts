/**
 * Throughput of the WML compiler on typical decks (2–4 KB) and the cost of a compile-cache hit. The issue's
 * targets are ≥ 1,000 decks/s on one core and ≤ 20 µs per hit, asserted here in CPU time of this process
 * (see rate()), so a loaded shared machine does not make them flaky.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContentConverter } from '../../src/content/converter.ts';
import { compileWml } from '../../src/content/wml/compile.ts';

const DECK = readFileSync(join(import.meta.dirname, 'decks', 'all-elements.wml'));
/** A 3–4 KB news-style deck: several cards, links, repeated strings, variables. */
const NEWS = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE wml PUBLIC "-//WAPFORUM//DTD WML 1.1//EN" "http://www.wapforum.org/DTD/wml_1.1.xml">
<wml>
<template><do type="prev" label="Back"><prev/></do></template>
${Array.from(
  { length: 8 },
  (_, i) => `<card id="c${i}" title="Headline ${i}">
<p><b>Story ${i}</b>: the council met on Tuesday to discuss the new bus timetable for $(town), which starts next month.</p>
<p><a href="http://www.example.com/news/story${i}.wml?u=$(user)">Read more</a> | <a href="#c${(i + 1) % 8}">Next</a></p>
</card>`,
).join('\n')}
</wml>`);

/**
 * Calls per second of CPU time (process.cpuUsage: user + system), so other processes on a loaded machine do not
 * count against us — "on one core" as the issue puts it. Runs for `ms` of wall time.
 */
function rate(fn: () => void, ms: number): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
  }
  const c = process.cpuUsage(c0);
  return (n * 1e6) / (c.user + c.system);
}

describe('performance', () => {
  it('compiles typical decks at ≥ 1,000/s of CPU time', () => {
    expect(DECK.length).toBeGreaterThan(2000);
    expect(NEWS.length).toBeGreaterThan(2000);
    const a = rate(() => compileWml(DECK), 1500);
    const b = rate(() => compileWml(NEWS), 1500);
    console.log(`compile: all-elements.wml (${DECK.length} B) ${a.toFixed(0)}/s, news deck (${NEWS.length} B) ${b.toFixed(0)}/s`);
    expect(Math.min(a, b)).toBeGreaterThan(1000);
  });

  it('a cache hit costs ≤ 20 µs of CPU time', () => {
    const c = new ContentConverter();
    const target = { headers: [['Accept-Charset', 'utf-8'] as [string, string]], maxBytes: 10_000, encodingVersion: 0x13 };
    const res = { status: 200, contentType: 'text/vnd.wap.wml', headers: [], body: NEWS };
    c.reply(res, target);
    const hits = rate(() => c.reply(res, target), 1500);
    const us = 1e6 / hits;
    console.log(`cache hit: ${us.toFixed(1)} µs (${NEWS.length} B source)`);
    expect(us).toBeLessThan(20);
  });
});
