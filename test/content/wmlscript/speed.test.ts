/**
 * Compile speed for typical scripts (the suite's samples, about 1 KB each), in CPU time of one core. Prints the figures (docs/wmlscript.md
 * records them) and asserts only a floor far below them, so a loaded CI machine does not fail it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileWmlScript } from '../../../src/content/wmlscript/index.ts';

const SCRIPTS = join(import.meta.dirname, 'scripts');
const TYPICAL = ['sample-calculator.wmls', 'sample-guess.wmls', 'lib-string.wmls', 'control.wmls', 'operators.wmls'];

describe('WMLScript compile speed', () => {
  it('compiles typical scripts at well over 1,000 per second on one core', () => {
    const sources = TYPICAL.map((f) => readFileSync(join(SCRIPTS, f), 'utf8'));
    const bytes = sources.reduce((n, s) => n + Buffer.byteLength(s), 0);
    for (let i = 0; i < 200; i++) for (const s of sources) compileWmlScript(s); // warm up the JIT
    const rounds = 400;
    // CPU time of this process (the machine is shared; wall time would measure the neighbours).
    const c0 = process.cpuUsage();
    for (let i = 0; i < rounds; i++) for (const s of sources) compileWmlScript(s);
    const cpu = process.cpuUsage(c0);
    const ms = (cpu.user + cpu.system) / 1000;
    const perSecond = (rounds * sources.length * 1000) / ms;
    const kbPerSecond = (rounds * bytes) / 1.024 / ms;
    const avgKb = bytes / sources.length / 1024;
    console.log(`wmlscript: ${perSecond.toFixed(0)} scripts/s (avg ${avgKb.toFixed(1)} KB source), ${kbPerSecond.toFixed(0)} KB/s, ${(ms / rounds / sources.length * 1000).toFixed(0)} µs CPU per script`);
    expect(perSecond).toBeGreaterThan(300);
  }, 60_000);
});
