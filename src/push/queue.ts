/**
 * The PPG's durable queue: what the engine (src/push/engine.ts) writes so that every push answered 1001 is
 * delivered, or reported, after a crash. The engine keeps its working set and schedule in memory (PushStore)
 * and records here, as they happen, every push it accepts and every change of a target's state.
 *
 * Contract (every implementation):
 *   - insert() resolves true only once the push is durable — the PAP answer 1001 waits for it — and false when
 *     the push-id is already taken (by this node or, for a shared queue, any node).
 *   - claim() marks a target as in an attempt by this node, durably, before anything is sent; update() writes
 *     its new state and releases the claim. A target still claimed when its node died was possibly delivered:
 *     recover() returns it in `inFlight` and the engine sends it again, counting a possible duplicate — the only
 *     way a push goes out twice, bounded by the attempts running at the crash (push.queue.concurrency).
 *   - A final state written with notifyOwed stays owed (recovered, resent) until update() clears it.
 *   - remove() forgets finished pushes (after push.queue.keepFinished).
 *
 * Implementations: MemoryPushQueue (nothing survives; the default without a store, for tests and embedding),
 * SqlitePushQueue (src/push/queue-sqlite.ts, the one-node default). A shared implementation (issue 20, Redis
 * Streams) fills the same contract: insert = SET NX on the push-id plus XADD; claim = the consumer group's own
 * claim (XCLAIM), and recover()/a periodic pass = XAUTOCLAIM of entries idle beyond state.redis.claimIdleMs,
 * whose targets come back in `inFlight`; update = HSET of the target plus XACK once final.
 */
import type { NewPushRecord, PushRecord, Target } from './store.ts';

export interface RecoveredQueue {
  /** Every push the queue holds, oldest first, with its targets' states (finished ones too, for status). */
  records: NewPushRecord[];
  /** Targets that were in an attempt when their node stopped: sent again (possible duplicates). */
  inFlight: { pushId: string; index: number }[];
}

/** What a queue shared by several nodes adds (src/state/push-queue-redis.ts): pushes held by another node. */
export interface SharedPushLookup {
  /** A push whichever node holds it (status query at any node); undefined when no node knows the push-id. */
  find(pushId: string): Promise<NewPushRecord | undefined>;
  /** Cancels the pending, unclaimed targets of a push another node owns; undefined when no node knows it. */
  cancel(pushId: string, indexes: readonly number[]): Promise<{ cancelled: number[]; refused: number[] } | undefined>;
}

export interface PushQueue {
  /** Whether what is written survives a restart of this process. */
  readonly durable: boolean;
  /** Set by a queue shared by several nodes: status and cancel of pushes this node does not hold. */
  readonly shared?: SharedPushLookup;
  /** What the queue holds, read once at start (claims left by a dead run are released and reported). */
  recover(): Promise<RecoveredQueue>;
  /** Records a new push; true once it is durable, false if its push-id is taken. */
  insert(rec: PushRecord): Promise<boolean>;
  /** Marks the target as in an attempt by this node (durable when it resolves); false if another node holds it. */
  claim(rec: PushRecord, t: Target): Promise<boolean>;
  /** Writes the target's state (attempts, next try, receipts, final state, notification owed) and releases a claim. */
  update(rec: PushRecord, t: Target): Promise<void>;
  /** Forgets finished pushes. */
  remove(pushIds: readonly string[]): Promise<void>;
  /** Writes what is pending; later calls fail. */
  close(): Promise<void>;
}

/** Nothing survives the process: the queue of a PPG created without a store. */
export class MemoryPushQueue implements PushQueue {
  readonly durable = false;
  private readonly ids = new Set<string>();
  recover(): Promise<RecoveredQueue> {
    return Promise.resolve({ records: [], inFlight: [] });
  }
  insert(rec: PushRecord): Promise<boolean> {
    if (this.ids.has(rec.pushId)) return Promise.resolve(false);
    this.ids.add(rec.pushId);
    return Promise.resolve(true);
  }
  claim(): Promise<boolean> {
    return Promise.resolve(true);
  }
  update(): Promise<void> {
    return Promise.resolve();
  }
  remove(pushIds: readonly string[]): Promise<void> {
    for (const id of pushIds) this.ids.delete(id);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
