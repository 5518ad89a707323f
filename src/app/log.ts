/**
 * The process's logger and its destination, made once by the composition root: pino JSON lines to stdout
 * (asynchronous writes), or human-readable through pino-pretty (loaded only then: a transport thread of its own).
 * Gateway worker threads log through it too (src/app/worker-log.ts).
 */
import pino, { type Logger } from 'pino';

export interface ProcessLogger {
  log: Logger;
}

export function createProcessLogger(level = 'info', pretty = false): ProcessLogger {
  if (pretty) {
    const transport = pino.transport({ target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } });
    return { log: pino({ level }, transport) };
  }
  // Asynchronous writes: under load lines written while one write is in flight are coalesced (one syscall for
  // many access lines), when idle each line still goes out at once; pino flushes it on exit.
  return { log: pino({ level }, pino.destination({ dest: 1, sync: false })) };
}
