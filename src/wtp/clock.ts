/**
 * Time for the WTP engines: an injected Clock so tests advance time exactly (no real sleeps).
 */

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds unless cancelled. */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** The real clock: performance.now() and unref'd Node timers (they never keep the process alive). */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

interface FakeTimer {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A deterministic clock for tests: time moves only through advance()/runUntilIdle(); timers fire in
 * due-time order (ties in creation order).
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: FakeTimer[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: FakeTimer = { due: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Timers not yet fired nor cancelled. */
  pending(): number {
    this.timers = this.timers.filter((x) => !x.cancelled);
    return this.timers.length;
  }

  private nextDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const x of this.timers) {
      if (x.cancelled || x.due > limit) continue;
      if (!best || x.due < best.due || (x.due === best.due && x.seq < best.seq)) best = x;
    }
    return best;
  }

  /** Moves time forward by `ms`, firing every timer that falls due (including ones set while firing). */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (!next) break;
      this.t = Math.max(this.t, next.due);
      next.cancelled = true;
      this.timers = this.timers.filter((x) => !x.cancelled);
      next.fn();
    }
    this.t = target;
  }

  /** Time of the earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    let best: number | undefined;
    for (const x of this.timers) if (!x.cancelled && (best === undefined || x.due < best)) best = x.due;
    return best;
  }

  /** Fires timers one at a time until none is left (or `maxSteps`); returns the number fired. */
  runUntilIdle(maxSteps = 1_000_000): number {
    let n = 0;
    while (n < maxSteps) {
      const at = this.nextTimerAt();
      if (at === undefined) break;
      this.advance(at - this.t);
      n++;
    }
    return n;
  }
}
