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
  live: boolean;
}

/**
 * A deterministic clock for tests: time moves only through advance()/runUntilIdle(); timers fire in
 * due-time order (ties in creation order). A binary heap with lazy deletion keeps 10^5 timers cheap.
 */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private heap: FakeTimer[] = [];
  private live = 0;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const timer: FakeTimer = { due: this.t + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.push(timer);
    this.live++;
    return {
      cancel: () => {
        if (timer.live) {
          timer.live = false;
          this.live--;
        }
      },
    };
  }

  /** Timers not yet fired nor cancelled. */
  pending(): number {
    return this.live;
  }

  /** Time of the earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    this.prune();
    return this.heap[0]?.due;
  }

  /** Moves time forward by `ms`, firing every timer that falls due (including ones set while firing). */
  advance(ms: number): void {
    const target = this.t + ms;
    for (;;) {
      this.prune();
      const next = this.heap[0];
      if (!next || next.due > target) break;
      this.pop();
      next.live = false;
      this.live--;
      this.t = Math.max(this.t, next.due);
      next.fn();
    }
    this.t = Math.max(this.t, target);
  }

  /** Fires timers in order until none is left (or `maxSteps`); returns the number fired. */
  runUntilIdle(maxSteps = 10_000_000): number {
    let n = 0;
    while (n < maxSteps) {
      const at = this.nextTimerAt();
      if (at === undefined) break;
      this.advance(at - this.t);
      n++;
    }
    return n;
  }

  private less(a: FakeTimer, b: FakeTimer): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private prune(): void {
    while (this.heap.length && !this.heap[0]!.live) this.pop();
  }

  private push(x: FakeTimer): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): FakeTimer | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
