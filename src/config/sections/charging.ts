/** `charging:` — where charging data records go. Owned by the charging area; extend here. */
import * as z from 'zod';
import { CDR_WRITER_DEFAULTS } from '../../charging/options.ts';
import { group, key } from '../meta.ts';

export const chargingSection = group({
  cdr: group({
    destination: key(z.string().min(1).optional(), {
      description: "Where CDRs are written as JSON lines: a file path (reopened on SIGHUP) or 'stdout'. Unset: no CDRs.",
      flag: 'cdr',
    }),
    flushInterval: key(z.number().int().min(0).default(CDR_WRITER_DEFAULTS.maxDelayMs), {
      description: 'Most milliseconds a CDR waits in memory before it is written (0 = the next event-loop turn, batching a burst).',
    }),
  }),
});
