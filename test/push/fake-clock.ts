import type { PpgClock } from '../../src/push/engine.ts';

/** The PPG's clock under test control: starts at 2026-01-01T00:00:00Z; advance() fires what fell due. */
export class FakeClock implements PpgClock {
  t = Date.parse('2026-01-01T00:00:00Z');
  timers: { due: number; fn: () => void; off: boolean }[] = [];
  now = () => this.t;
  setTimer(ms: number, fn: () => void) {
    const tm = { due: this.t + ms, fn, off: false };
    this.timers.push(tm);
    return { cancel: () => void (tm.off = true) };
  }
  advance(ms: number) {
    this.t += ms;
    for (const tm of this.timers.splice(0)) {
      if (tm.off) continue;
      if (tm.due <= this.t) tm.fn();
      else this.timers.push(tm);
    }
  }
}
