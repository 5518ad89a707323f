/**
 * Logging for the gateway (the process's logger is made by src/app/log.ts): a silent default, and a throttle for input a hostile peer can
 * repeat at line rate — bad datagrams are counted always and logged at most once per interval per reason.
 */
import pino, { type Logger } from 'pino';

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export class ThrottledWarn {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  readonly counts = new Map<string, number>();

  constructor(
    private readonly log: Logger,
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
