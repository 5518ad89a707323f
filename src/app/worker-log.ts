/**
 * A gateway worker thread's logger: the GatewayLog the gateway path asks for, without pino in the thread. Each
 * line goes to the primary as data (a message on the thread's port) and is written there by the process's pino
 * logger, as a child bound to the worker's index: one formatter, one destination, one format. pino in every
 * worker isolate cost ~0.7 MiB of heap each (docs/build.md, "Worker threads"); lines are rare on the datagram
 * path (bad input is throttled by ThrottledWarn), so formatting them in the primary costs nothing measurable.
 */
import type { GatewayLog, LogMethod } from '../gateway/log.ts';

/** pino's level numbers (what `level` holds in a JSON line). */
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LevelName = keyof typeof LEVELS;

/** One line, as the worker sends it to the primary. */
export interface WorkerLogLine {
  level: LevelName;
  fields: Record<string, unknown>;
  msg?: string;
}

function isLevelName(level: string): level is LevelName {
  return Object.hasOwn(LEVELS, level);
}

/** The lowest level number written at `level` ('silent': none). */
function threshold(level: string): number {
  if (level === 'silent') return Number.POSITIVE_INFINITY;
  return isLevelName(level) ? LEVELS[level] : LEVELS.info;
}

export class WorkerLog implements GatewayLog {
  private min: number;
  private name: string;
  readonly debug: LogMethod;
  readonly info: LogMethod;
  readonly warn: LogMethod;
  readonly error: LogMethod;

  constructor(level: string, private readonly send: (line: WorkerLogLine) => void) {
    this.name = level;
    this.min = threshold(level);
    this.debug = this.method('debug');
    this.info = this.method('info');
    this.warn = this.method('warn');
    this.error = this.method('error');
  }

  /** The primary's level, followed when it changes (SIGHUP). */
  get level(): string {
    return this.name;
  }

  set level(level: string) {
    this.name = level;
    this.min = threshold(level);
  }

  isLevelEnabled(level: string): boolean {
    return isLevelName(level) && LEVELS[level] >= this.min;
  }

  private method(level: LevelName): LogMethod {
    const n = LEVELS[level];
    return ((first: object | string, msg?: string) => {
      if (n < this.min) return;
      const [fields, text] = typeof first === 'string' ? [{}, first] : [first, msg];
      this.send({ level, fields: portable(fields), ...(text !== undefined ? { msg: text } : {}) });
    }) as LogMethod;
  }
}

/**
 * `fields` as plain data a MessagePort carries: an Error as pino's err serializer writes it (type, message,
 * stack and its own fields such as `code`), a bigint as decimal text; what JSON cannot hold (a cycle) is named.
 */
export function portable(fields: object): Record<string, unknown> {
  try {
    return JSON.parse(
      JSON.stringify(fields, (_key, v: unknown) => {
        if (v instanceof Error) return { ...v, type: v.name, message: v.message, stack: v.stack };
        return typeof v === 'bigint' ? v.toString() : v;
      }),
    ) as Record<string, unknown>;
  } catch (err) {
    return { unloggable: String(err) };
  }
}
