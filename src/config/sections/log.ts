/** `log:` — the pino log and the access log beside it. */
import * as z from 'zod';
import { ACCESS_LOG_FIELDS, type AccessLogField } from '../../admin/access-log.ts';
import { group, key, LOG_LEVELS } from '../meta.ts';

/** Fields the access-log formatter knows (defined beside it, src/admin/access-log.ts). */
export { ACCESS_LOG_FIELDS, type AccessLogField };

export const logSection = group({
  level: key(z.enum(LOG_LEVELS).default('info'), { description: 'pino log level.', reloadable: true, flag: 'log-level' }),
  pretty: key(z.union([z.boolean(), z.literal('auto')]).default('auto'), {
    description: "Human-readable log lines (true/false); 'auto' = when stderr is a terminal.",
  }),
  access: group({
    enabled: key(z.boolean().default(true), { description: 'Write one access-log line per transaction.' }),
    format: key(z.enum(['json', 'text', 'log']).default('log'), {
      description: "'log' = a pino record in the main log; 'json' = JSON lines; 'text' = space-separated fields.",
    }),
    destination: key(z.string().min(1).default('stdout'), {
      description: "For json/text: 'stdout', 'stderr' or a file path.",
    }),
    fields: key(z.array(z.enum(ACCESS_LOG_FIELDS)).min(1).default(['time', 'client', 'session', 'method', 'url', 'status', 'bytesUp', 'bytes', 'durationMs', 'outcome']), {
      description: `Fields of each access line, in order; any of: ${ACCESS_LOG_FIELDS.join(', ')}.`,
      reloadable: true,
    }),
  }),
});
