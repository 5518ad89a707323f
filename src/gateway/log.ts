/**
 * Logging for the gateway: what the UDP → WTP → WSP → HTTP path asks of a logger (GatewayLog: the process's pino
 * logger, made by src/app/log.ts, is one; a gateway worker thread's forwarder, src/app/worker-log.ts, another), a
 * silent default, and a throttle for input a hostile peer can repeat at line rate — bad datagrams are counted
 * always and logged at most once per interval per reason.
 */

/** One log method: structured fields, then the message (pino's argument order), or the message alone. */
export interface LogMethod {
  (fields: object, msg?: string): void;
  (msg: string): void;
}

/** The logger the gateway path is given. A pino Logger satisfies it. */
export interface GatewayLog {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** Whether a line at `level` ('debug', 'info', …) would be written. */
  isLevelEnabled(level: string): boolean;
}

const discard: LogMethod = () => {};

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): GatewayLog {
  return { debug: discard, info: discard, warn: discard, error: discard, isLevelEnabled: () => false };
}

export class ThrottledWarn {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  readonly counts = new Map<string, number>();

  constructor(
    private readonly log: GatewayLog,
    private readonly intervalMs = 1000,
    private readonly now: () => number = Date.now,
    private readonly counted?: (reason: string) => void,
  ) {}

  warn(reason: string, fields: Record<string, unknown>, msg: string): void {
    this.emit('warn', reason, fields, msg);
  }

  /** The same throttle at error level (a fault of ours or of the host, such as a datagram the kernel refused). */
  error(reason: string, fields: Record<string, unknown>, msg: string): void {
    this.emit('error', reason, fields, msg);
  }

  private emit(level: 'warn' | 'error', reason: string, fields: Record<string, unknown>, msg: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    this.counted?.(reason);
    const t = this.now();
    const s = this.last.get(reason);
    if (s && t - s.at < this.intervalMs) {
      s.suppressed++;
      return;
    }
    this.log[level]({ reason, ...fields, suppressed: s?.suppressed ?? 0 }, msg);
    this.last.set(reason, { at: t, suppressed: 0 });
  }
}
