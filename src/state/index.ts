/**
 * State shared by several gateway nodes (issue 20), composed for `serve` when `state.redis.url` is set: the link
 * to Redis, the replicated subscriber map, the shared PPG and sendsms queues, and what the node tells /readyz and /status.
 *
 * What is shared: the subscriber map (RADIUS accounting may reach any node), the PPG queue and the push-id space
 * (PAP may reach any node; a dead node's pushes are adopted), the sendsms queue and its DLR correlations
 * (sms-queue-redis.ts: a dead node's messages are adopted) and the smsbox's delivery receipts (sms-receipts.ts:
 * a receipt reaching a node's SMPP bind finds the node that owns its correlation). What stays per node, and why: WTP transactions and
 * WSP sessions (a handset's datagrams reach the node the balancer pins it to; when that node dies its sessions end
 * and handsets reconnect), CDR files (one per node, named by node id), metrics (per node; Prometheus sums them).
 * Without `state.redis.url` none of this is loaded: one node, the embedded durable store, no Redis.
 */
import type { SubscriberMap } from '../identity/subscriber-map.ts';
import type { PpgEngine } from '../push/engine.ts';
import { RedisLink } from './redis-link.ts';
import { RedisPushQueue } from './push-queue-redis.ts';
import { RedisSmsQueue, type RecoveredSms } from './sms-queue-redis.ts';
import { shareReceipts, type SharedReceipts } from './sms-receipts.ts';
import type { SmsPushSender } from '../bearer/sms/sender.ts';
import { createReplicatedSubscriberMap, type ReplicatedSubscriberMap } from './subscriber-replica.ts';

export { RedisLink } from './redis-link.ts';
export { RedisPushQueue } from './push-queue-redis.ts';
export { RedisSmsQueue } from './sms-queue-redis.ts';
export { createReplicatedSubscriberMap } from './subscriber-replica.ts';
export { nodeIdOf, nodeScopedPath } from './node.ts';

export interface SharedStateOptions {
  url: string;
  nodeId: string;
  keyPrefix: string;
  graceMs: number;
  commandTimeoutMs: number;
  claimIdleMs: number;
  /** The local map's TTL: a shared binding expires with it. */
  subscriberTtlMs: number;
}

export interface SharedStateLog {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export interface SharedState {
  readonly nodeId: string;
  readonly link: RedisLink;
  readonly pushQueue: RedisPushQueue;
  /** Wraps the node's own subscriber map: RADIUS writes go through the result, lookups stay local. */
  subscribers(local: SubscriberMap): ReplicatedSubscriberMap;
  /** Hands adopted pushes and remote cancels to this node's PPG. */
  attachPpg(engine: PpgEngine): void;
  /** The sendsms queue and DLR correlations in Redis (its own work already read: SmsQueue.load() hands it over). */
  readonly smsQueue: RedisSmsQueue;
  /** Hands a dead node's sendsms jobs and correlations to this node's smsbox (Smsbox.absorb); starts the heartbeat and adoption. */
  /** The smsbox's SMSC link with receipts shared: one reaching this node for another's message gets there. */
  smsReceipts(sender: SmsPushSender): SmsPushSender;
  attachSmsbox(box: { absorb(jobs: RecoveredSms['jobs'], correlations: RecoveredSms['correlations']): { jobs: number; correlations: number } }): void;
  /** For /readyz: Redis up, or down for less than the grace period. */
  readiness(): { ok: boolean; detail: string };
  /** For /status. */
  status(): Record<string, unknown>;
  close(): Promise<void>;
}

export async function startSharedState(o: SharedStateOptions, log: SharedStateLog): Promise<SharedState> {
  const link = new RedisLink({ url: o.url, keyPrefix: o.keyPrefix, nodeId: o.nodeId, graceMs: o.graceMs, commandTimeoutMs: o.commandTimeoutMs });
  let lastError = '';
  link.on('error', (err) => {
    // ioredis reports every failed reconnect; one log line per distinct failure.
    if (err.message !== lastError) log.warn({ err: err.message }, 'Redis link error');
    lastError = err.message;
  });
  link.on('down', () => log.warn({ graceMs: o.graceMs }, 'Redis unreachable: serving from local state; shared work (PAP, RADIUS sharing) waits'));
  link.on('up', () => {
    lastError = '';
    log.info({ node: o.nodeId }, 'Redis link up: shared state resynchronised');
  });
  try {
    await link.connect();
  } catch (err) {
    // Not fatal: the node serves handsets from local state and reconnects in the background.
    log.warn({ err: (err as Error).message }, 'Redis not reachable at start; retrying in the background');
  }
  const pushQueue = new RedisPushQueue(link, { claimIdleMs: o.claimIdleMs });
  pushQueue.on('error', (err) => log.warn({ err: err.message }, 'shared push queue: adoption pass failed'));
  // The sendsms queue: this node's own jobs are read now, so the smsbox's synchronous load() finds them.
  const smsQueue = new RedisSmsQueue(link, { claimIdleMs: o.claimIdleMs });
  smsQueue.on('error', (err) => log.warn({ err: err.message }, 'shared sendsms queue'));
  try {
    const own = await smsQueue.recover();
    if (own.jobs.length || own.correlations.length) log.info({ jobs: own.jobs.length, correlations: own.correlations.length, inFlight: own.inFlight }, 'own sendsms jobs read back from Redis');
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'sendsms queue not read from Redis at start; adopted once it answers');
  }
  let replica: ReplicatedSubscriberMap | undefined;
  let receipts: SharedReceipts | undefined;
  const counts = { adopted: 0, adoptedInFlight: 0, cancelledElsewhere: 0, subscriberIn: 0, subscriberOut: 0, smsAdopted: 0, smsAdoptedInFlight: 0, dlrAdopted: 0 };
  return {
    nodeId: o.nodeId,
    link,
    pushQueue,
    subscribers(local) {
      replica = createReplicatedSubscriberMap(local, link, {
        ttlMs: o.subscriberTtlMs,
        onError: (err, what) => log.warn({ err: err.message, what }, 'shared subscriber map'),
        onApplied: (_op, dir) => void (dir === 'in' ? counts.subscriberIn++ : counts.subscriberOut++),
      });
      return replica;
    },
    attachPpg(engine) {
      pushQueue.on('adopt', (found, from) => {
        const r = engine.absorb(found);
        counts.adopted += r.records;
        counts.adoptedInFlight += r.inFlight;
        log.info({ from, ...r }, from === o.nodeId ? 'own pushes read back from Redis' : 'pushes of a node taken for dead adopted');
      });
      pushQueue.on('cancelled', (pushId, indexes) => {
        counts.cancelledElsewhere += indexes.length;
        engine.cancelledElsewhere(pushId, indexes);
      });
    },
    smsQueue,
    smsReceipts(sender) {
      receipts ??= shareReceipts(link, sender, (err) => log.warn({ err: err.message }, 'shared delivery receipts'));
      return receipts;
    },
    attachSmsbox(box) {
      smsQueue.on('adopt', (found, from) => {
        const r = box.absorb(found.jobs, found.correlations);
        counts.smsAdopted += r.jobs;
        counts.smsAdoptedInFlight += found.inFlight;
        counts.dlrAdopted += r.correlations;
        log.info({ from, ...r, inFlight: found.inFlight }, from === o.nodeId ? 'own sendsms jobs read back from Redis' : 'sendsms jobs of a node taken for dead adopted');
      });
      smsQueue.start();
    },
    readiness() {
      const down = link.downFor;
      if (down === undefined) return { ok: true, detail: 'Redis up' };
      return { ok: link.healthy(), detail: `Redis unreachable for ${Math.round(down)} ms (grace ${o.graceMs} ms)` };
    },
    status() {
      const down = link.downFor;
      return {
        node: o.nodeId,
        redis: down === undefined ? 'up' : 'down',
        ...(down !== undefined ? { downForMs: Math.round(down), servingLocalOnly: true } : {}),
        ...counts,
        ...(receipts ? { receiptsIn: receipts.counts.in, receiptsOut: receipts.counts.out } : {}),
      };
    },
    async close() {
      await replica?.stop();
      await pushQueue.close();
      await smsQueue.close();
      await receipts?.stop();
      await link.close();
    },
  };
}
