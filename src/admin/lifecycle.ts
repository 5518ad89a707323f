/**
 * Graceful shutdown. On the first SIGTERM (or SIGINT):
 *   1. stop    — stop taking new work (admin /healthz and /readyz turn 503, listeners refuse new
 *                transactions/sessions, the PAP endpoint answers "busy");
 *   2. drain   — wait for in-flight transactions, up to the deadline; when it passes, each drainer's
 *                `signal` aborts so it can end what is left properly (a WTP Abort, not silence), and gets
 *                `abortGraceMs` more to do so;
 *   3. flush   — write what must survive: CDRs, pending push queue state, the MMSC store;
 *   4. close   — close sockets and servers;
 * then exit 0 (1 when a step failed or timed out). A second signal during all this exits at once (status 130).
 *
 * serve.ts registers its parts (`life.onDrain('wtp', ...)`) and calls `life.install()`.
 */
export type Phase = 'stop' | 'drain' | 'flush' | 'close';

export interface DrainContext {
  /** Aborts when the drain deadline passes: end what is still running now. */
  signal: AbortSignal;
  /** When the deadline passes (ms, from `now`). */
  deadline: number;
}

type Step = (ctx: DrainContext) => void | Promise<void>;

export interface LifecycleLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface LifecycleOptions {
  /** How long in-flight work may take after the first signal (default 10 s). */
  drainTimeoutMs?: number;
  /** After the deadline, how long drainers get to abort what is left (default 1 s). */
  abortGraceMs?: number;
  /** Longest time one stop/flush/close step may take (default 5 s); past it the step counts as failed. */
  stepTimeoutMs?: number;
  signals?: NodeJS.Signals[];
  /** Defaults to process.exit. */
  exit?: (code: number) => void;
  /** Where signals come from (default: process). */
  emitter?: Pick<NodeJS.Process, 'on' | 'off'>;
  log?: LifecycleLogger;
  now?: () => number;
}

const quiet: LifecycleLogger = { info() {}, warn() {}, error() {} };

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export class Lifecycle {
  readonly #steps: Record<Phase, { name: string; fn: Step }[]> = { stop: [], drain: [], flush: [], close: [] };
  readonly #o: Required<Omit<LifecycleOptions, 'log' | 'emitter'>> & { log: LifecycleLogger; emitter: Pick<NodeJS.Process, 'on' | 'off'> };
  #running: Promise<number> | undefined;
  #handler: ((sig: NodeJS.Signals) => void) | undefined;
  /** Set once shutdown began: callers check it before taking new work. */
  stopping = false;
  /** The phase in progress (for /status). */
  phase: Phase | 'running' | 'done' = 'running';

  constructor(opts: LifecycleOptions = {}) {
    this.#o = {
      drainTimeoutMs: opts.drainTimeoutMs ?? 10_000,
      abortGraceMs: opts.abortGraceMs ?? 1_000,
      stepTimeoutMs: opts.stepTimeoutMs ?? 5_000,
      signals: opts.signals ?? ['SIGTERM', 'SIGINT'],
      exit: opts.exit ?? ((code) => process.exit(code)),
      emitter: opts.emitter ?? process,
      log: opts.log ?? quiet,
      now: opts.now ?? Date.now,
    };
  }

  /** Phase 1: stop taking new work. */
  onStop(name: string, fn: () => void | Promise<void>): this {
    this.#steps.stop.push({ name, fn });
    return this;
  }
  /** Phase 2: resolve when in-flight work is done; end it when `ctx.signal` aborts. */
  onDrain(name: string, fn: (ctx: DrainContext) => void | Promise<void>): this {
    this.#steps.drain.push({ name, fn });
    return this;
  }
  /** Phase 3: persist (CDRs, push queue state). */
  onFlush(name: string, fn: () => void | Promise<void>): this {
    this.#steps.flush.push({ name, fn });
    return this;
  }
  /** Phase 4: release sockets and servers. */
  onClose(name: string, fn: () => void | Promise<void>): this {
    this.#steps.close.push({ name, fn });
    return this;
  }

  /** Listens for the signals: the first starts the shutdown, a second exits at once. */
  install(): this {
    if (this.#handler) return this;
    this.#handler = (sig) => {
      if (this.#running) {
        this.#o.log.warn({ signal: sig, phase: this.phase }, 'second signal: exiting now');
        this.#o.exit(130);
        return;
      }
      void this.shutdown(sig).then((code) => this.#o.exit(code));
    };
    for (const s of this.#o.signals) this.#o.emitter.on(s, this.#handler);
    return this;
  }

  uninstall(): void {
    if (!this.#handler) return;
    for (const s of this.#o.signals) this.#o.emitter.off(s, this.#handler);
    this.#handler = undefined;
  }

  /** Runs the four phases once (later calls return the same promise); resolves with the exit status. */
  shutdown(reason = 'request'): Promise<number> {
    this.#running ??= this.#run(reason);
    return this.#running;
  }

  async #run(reason: string): Promise<number> {
    const o = this.#o;
    const t0 = o.now();
    let failed = 0;
    this.stopping = true;
    o.log.info({ reason, drainTimeoutMs: o.drainTimeoutMs }, 'shutting down: no new work, draining in-flight transactions');

    const runSimple = async (phase: Phase) => {
      this.phase = phase;
      const ctx: DrainContext = { signal: AbortSignal.abort(), deadline: o.now() };
      for (const { name, fn } of this.#steps[phase]) {
        try {
          await withTimeout(Promise.resolve().then(() => fn(ctx)), o.stepTimeoutMs, `${phase} step '${name}'`);
        } catch (e) {
          failed++;
          o.log.error({ phase, step: name, err: e instanceof Error ? e.message : String(e) }, 'shutdown step failed');
        }
      }
    };

    await runSimple('stop');

    // drain: all drainers in parallel, against one deadline
    this.phase = 'drain';
    const ac = new AbortController();
    const deadline = o.now() + o.drainTimeoutMs;
    const ctx: DrainContext = { signal: ac.signal, deadline };
    const drains = this.#steps.drain.map(({ name, fn }) =>
      Promise.resolve()
        .then(() => fn(ctx))
        .then(
          () => ({ name, ok: true as const }),
          (e: unknown) => ({ name, ok: false as const, err: e }),
        ),
    );
    const all = Promise.all(drains);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), o.drainTimeoutMs);
    });
    const first = await Promise.race([all, expired]);
    clearTimeout(timer);
    let results: Awaited<typeof all> | undefined = first === 'deadline' ? undefined : first;
    if (!results) {
      o.log.warn({ drainTimeoutMs: o.drainTimeoutMs }, 'drain deadline passed: aborting what is still in flight');
      ac.abort(new Error('drain deadline passed'));
      let grace: NodeJS.Timeout | undefined;
      results = await Promise.race([
        all,
        new Promise<undefined>((resolve) => {
          grace = setTimeout(() => resolve(undefined), o.abortGraceMs);
        }),
      ]);
      clearTimeout(grace);
      if (!results) {
        failed++;
        o.log.error({ abortGraceMs: o.abortGraceMs }, 'in-flight work did not end after the abort: continuing');
      }
    }
    for (const r of results ?? []) {
      if (!r.ok) {
        failed++;
        o.log.error({ phase: 'drain', step: r.name, err: r.err instanceof Error ? r.err.message : String(r.err) }, 'shutdown step failed');
      }
    }

    await runSimple('flush');
    await runSimple('close');
    this.phase = 'done';
    const code = failed ? 1 : 0;
    o.log.info({ durationMs: o.now() - t0, failedSteps: failed, exitCode: code }, 'shutdown complete');
    return code;
  }
}
