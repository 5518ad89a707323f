/**
 * The process's logger and its destination, made once by the composition root: pino JSON lines to stdout
 * (asynchronous writes), or human-readable through pino-pretty (loaded only then: a transport thread of its own).
 * `writeLine` writes an already formatted line (a gateway worker's) to the same destination.
 */
import pino, { type Logger } from 'pino';

export interface ProcessLogger {
  log: Logger;
  writeLine(line: string): void;
}

export function createProcessLogger(level = 'info', pretty = false): ProcessLogger {
  if (pretty) {
    const transport = pino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } });
    return { log: pino({ level }, transport), writeLine: (line) => void transport.write(line) };
  }
  // Asynchronous writes: under load lines written while one write is in flight are coalesced (one syscall for
  // many access lines), when idle each line still goes out at once; pino flushes it on exit.
  const dest = pino.destination({ dest: 1, sync: false });
  return { log: pino({ level }, dest), writeLine: (line) => void dest.write(line) };
}
