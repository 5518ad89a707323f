/** `charging:` — where charging data records go. Owned by the charging area; extend here. */
import { z } from 'zod';
import { group, key } from '../meta.ts';

export const chargingSection = group({
  cdr: group({
    destination: key(z.string().min(1).optional(), {
      description: "Where CDRs are written as JSON lines: a file path (reopened on SIGHUP) or 'stdout'. Unset: no CDRs.",
      flag: 'cdr',
    }),
    flushInterval: key(z.number().int().min(0).default(1_000), {
      description: 'Most milliseconds a CDR waits in the buffer before it is written (0 = at once).',
    }),
  }),
});
