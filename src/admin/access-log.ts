/**
 * The access log: one line per transaction with the fields the operator chose (`log.access.fields`, reloadable),
 * beside the pino log. Formats:
 *   log   a pino record `{...fields, msg: 'access'}` in the main log (info; warn when the outcome is not ok)
 *   json  one JSON object per line to a destination of its own (stdout, stderr or a file)
 *   text  space-separated values in field order, '-' when absent; values with spaces, quotes or control
 *         characters are JSON-quoted, so a handset's URL can never forge a line (CR/LF are escaped)
 *
 * The entry shape is the gateway's access line (src/gateway/transaction.ts) plus a few optional fields.
 */
import type { Logger } from 'pino';
import pino from 'pino';

/** Fields the access-log formatter knows (the log.access.fields config key's values). */
export const ACCESS_LOG_FIELDS = [
  'time',
  'client',
  'msisdn',
  'session',
  'bearer',
  'tid',
  'method',
  'url',
  'requestedUrl',
  'status',
  'wspStatus',
  'upstreamStatus',
  'outcome',
  'reason',
  'bytesUp',
  'bytes',
  'durationMs',
  'userAgent',
  'contentType',
] as const;
export type AccessLogField = (typeof ACCESS_LOG_FIELDS)[number];

export interface AccessEntry {
  /** ISO 8601; default: when the line is written. */
  time?: string;
  /** "ip:port" of the handset. */
  client?: string;
  msisdn?: string;
  session?: number | string;
  bearer?: string;
  tid?: number;
  method?: string;
  url?: string;
  /** The URL the handset asked for, when a URL map rule rewrote it into `url` (src/gateway/url-map.ts). */
  requestedUrl?: string;
  /** HTTP-equivalent status answered to the handset. */
  status?: number;
  wspStatus?: number;
  upstreamStatus?: number;
  /** 'ok' or a stable failure code. */
  outcome?: string;
  reason?: string;
  bytesUp?: number;
  bytes?: number;
  durationMs?: number;
  userAgent?: string;
  contentType?: string;
  [extra: string]: unknown;
}

export interface AccessLogOptions {
  format: 'log' | 'json' | 'text';
  fields: readonly AccessLogField[];
  /** For json/text: 'stdout', 'stderr' or a file path (appended). */
  destination?: string;
  /** For 'log': the main logger. */
  logger?: Logger;
  /** Where json/text lines go instead of a destination (tests, custom sinks). */
  sink?: (line: string) => void;
}

export interface AccessLog {
  write(entry: AccessEntry): void;
  /** Changes the fields (SIGHUP reload). */
  setFields(fields: readonly AccessLogField[]): void;
  /** Flushes and closes a file destination. */
  close(): Promise<void>;
}

const PLAIN = /^[\x21-\x7e]*$/;

function textValue(v: unknown): string {
  if (v === undefined || v === null || v === '') return '-';
  const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  return PLAIN.test(s) && !s.includes('"') ? s : JSON.stringify(s);
}

/** The chosen fields of an entry, in order (time filled in). */
export function pickFields(entry: AccessEntry, fields: readonly AccessLogField[], now = () => new Date()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = f === 'time' ? (entry.time ?? now().toISOString()) : entry[f];
    if (v !== undefined) out[f] = v;
  }
  return out;
}

export function formatText(entry: AccessEntry, fields: readonly AccessLogField[], now = () => new Date()): string {
  return fields.map((f) => textValue(f === 'time' ? (entry.time ?? now().toISOString()) : entry[f])).join(' ');
}

export function createAccessLog(opts: AccessLogOptions): AccessLog {
  let fields = [...opts.fields];
  if (opts.format === 'log') {
    const logger = opts.logger ?? pino();
    return {
      write(entry) {
        const rec = pickFields(entry, fields.filter((f) => f !== 'time'));
        if (!entry.outcome || entry.outcome === 'ok') logger.info(rec, 'access');
        else logger.warn(rec, 'access');
      },
      setFields(f) {
        fields = [...f];
      },
      close: async () => {},
    };
  }
  let sink = opts.sink;
  let stream: ReturnType<typeof pino.destination> | undefined;
  const dest = opts.destination ?? 'stdout';
  const isFile = dest !== 'stdout' && dest !== 'stderr';
  if (!sink) {
    stream = pino.destination({ dest: dest === 'stdout' ? 1 : dest === 'stderr' ? 2 : dest, sync: false, mkdir: true, append: true });
    sink = (line) => stream!.write(line + '\n');
  }
  const write = sink;
  return {
    write(entry) {
      write(opts.format === 'json' ? JSON.stringify(pickFields(entry, fields)) : formatText(entry, fields));
    },
    setFields(f) {
      fields = [...f];
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!stream) return resolve();
        const s = stream;
        stream = undefined;
        s.flush();
        if (!isFile) return resolve();
        s.once('close', () => resolve());
        s.end();
      }),
  };
}
