/**
 * The bounds every compilation runs under (the team API's options plus the depth bound), and the time budget
 * the stages poll. Defaults are generous for real scripts (a few KB) and small enough that a hostile source
 * cannot hold a worker for long.
 */
import { raise, WmlsErrorCode, type SourcePos } from './errors.ts';

export interface WmlScriptCompileOptions {
  /** Largest source accepted, in UTF-8 bytes (default 256 KiB). */
  maxSourceBytes?: number;
  /** Largest compiled unit produced, in bytes (default 64 KiB). */
  maxBytecodeBytes?: number;
  /** Longest a compilation may take (default 1000 ms). */
  maxMillis?: number;
  /** Deepest nesting of statements and expressions (default 200, at most 1000). */
  maxDepth?: number;
  /** Charset of the constant pool's strings: UTF-8 (MIBenum 106, the default) or ISO-8859-1 (MIBenum 4). */
  charset?: 'utf-8' | 'iso-8859-1';
  /** Clock in milliseconds for the time bound (default performance.now). */
  now?: () => number;
}

export interface ResolvedLimits {
  maxSourceBytes: number;
  maxBytecodeBytes: number;
  maxMillis: number;
  maxDepth: number;
  charset: 'utf-8' | 'iso-8859-1';
}

export const DEFAULT_LIMITS: ResolvedLimits = {
  maxSourceBytes: 256 * 1024,
  maxBytecodeBytes: 64 * 1024,
  maxMillis: 1000,
  maxDepth: 200,
  charset: 'utf-8',
};

const MAX_DEPTH_CAP = 1000;

export function resolveLimits(o: WmlScriptCompileOptions = {}): ResolvedLimits {
  const pick = (v: number | undefined, d: number): number => (v !== undefined && Number.isFinite(v) && v > 0 ? v : d);
  return {
    maxSourceBytes: pick(o.maxSourceBytes, DEFAULT_LIMITS.maxSourceBytes),
    maxBytecodeBytes: pick(o.maxBytecodeBytes, DEFAULT_LIMITS.maxBytecodeBytes),
    maxMillis: pick(o.maxMillis, DEFAULT_LIMITS.maxMillis),
    // The parser and code generator recurse once per level: cap it well inside V8's stack.
    maxDepth: Math.min(MAX_DEPTH_CAP, Math.floor(pick(o.maxDepth, DEFAULT_LIMITS.maxDepth))),
    charset: o.charset ?? DEFAULT_LIMITS.charset,
  };
}

/** A deadline the stages poll at their loop heads; cheap enough to call per token. */
export class Budget {
  private readonly deadline: number;
  private ticks = 0;
  constructor(
    private readonly now: () => number,
    maxMillis: number,
  ) {
    this.deadline = now() + maxMillis;
  }
  /** Raises WMLS_TIMEOUT once the deadline has passed (reads the clock every 64 calls). */
  tick(pos?: SourcePos): void {
    if ((++this.ticks & 63) !== 0) return;
    if (this.now() > this.deadline) raise(WmlsErrorCode.TIMEOUT, 'compilation took longer than allowed', pos);
  }
}

/** A budget that never expires, for stages tested alone. */
export const UNBOUNDED: Budget = new Budget(() => 0, Number.POSITIVE_INFINITY);
