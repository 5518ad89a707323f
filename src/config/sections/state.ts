/**
 * `state:` — state shared by several gateway nodes (issue 20). Without `state.redis.url` a node keeps its state
 * to itself (the embedded durable store); with it, the subscriber map, the PPG queue and the push-id space are
 * shared through Redis (src/state/).
 */
import * as z from 'zod';
import { duration, group, key } from '../meta.ts';

export const stateSection = group({
  nodeId: key(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(), {
    description:
      "This node's name among several (consumer name in Redis, CDR file suffix, /status); default: the host name and the admin/CL port.",
    flag: 'node-id',
  }),
  redis: group({
    url: key(z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional(), {
      description: 'Share state with other nodes through this Redis (redis://[user:password@]host:port[/db]; rediss:// for TLS). Unset: one node, no Redis.',
      flag: 'redis',
      secret: true,
    }),
    keyPrefix: key(z.string().regex(/^[A-Za-z0-9._-]{1,32}$/).default('wapgate'), {
      description: 'Prefix of every Redis key and channel of this deployment.',
    }),
    graceMs: key(duration().default(5000), {
      description: 'How long Redis may be unreachable before /readyz fails (the node keeps serving what needs no shared state).',
    }),
    commandTimeoutMs: key(duration().default(2000), {
      description: 'A Redis command not answered within this fails (a PAP or sendsms request then gets an error, never a hang).',
    }),
    claimIdleMs: key(duration().default(10_000), {
      description: "A push another node took but has not finished for this long is claimed by this node (that node is taken for dead).",
    }),
  }),
});
