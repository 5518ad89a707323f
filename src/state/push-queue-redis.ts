/**
 * The PPG queue shared by several nodes (issue 20), filling the PushQueue contract of src/push/queue.ts in Redis:
 * a push accepted by any node (PAP 1001 once Redis has it) is delivered by one node — its owner — and when that
 * node dies another adopts it after `claimIdleMs`; push-ids are unique across nodes; status queries and cancels
 * work on whichever node the request reaches.
 *
 * Layout (prefix P):
 *   P:push:<id>   hash: meta (JSON, the fixed part), body (the content octets), owner, n (targets), t:<i> (JSON state
 *                 of target i, with `claim`: the node in an attempt on it)
 *   P:open:<node> set: the push-ids a node owns that still have work (a target to deliver or a notification owed)
 *   P:alive:<node> a key that lives `claimIdleMs` and is renewed every third of it: the node's heartbeat
 * Ownership moves only through ADOPT_LUA, which checks in one step that the old owner's heartbeat is gone: two
 * surviving nodes never adopt the same push, and a push is sent twice only when its owner died inside an attempt
 * (recovered in `inFlight`, counted by the engine as redelivered) — the same bound as the one-node store.
 *
 * Durability is Redis's: run it with appendonly yes and appendfsync always (or everysec: a Redis crash may lose
 * the last second) and replicas behind Sentinel (docs/scaling.md).
 */
import { EventEmitter } from 'node:events';
import type { RedisLink } from './redis-link.ts';
import { parsePushAddress } from '../push/address.ts';
import type { PushQueue, RecoveredQueue, SharedPushLookup } from '../push/queue.ts';
import { FINAL_STATES, type NewPushRecord, type PushRecord, type Target } from '../push/store.ts';

type Meta = Omit<PushRecord, 'pushId' | 'targets' | 'seq' | 'content'> & { content: Omit<PushRecord['content'], 'body'> };

/** A target's state as stored (a Set becomes a list; `claim` is the node in an attempt). */
interface StoredTarget {
  address: string;
  state: Target['state'];
  code: number;
  desc?: string;
  eventTime: number;
  attempts: number;
  notBefore: number;
  bearer?: Target['bearer'];
  receipts?: string[];
  lastError?: string;
  notifyOwed?: boolean;
  claim?: string;
}

const FINAL_LIST = [...FINAL_STATES];

// KEYS[1] push hash, KEYS[2] owner's open set; ARGV: id, meta, body, owner, n, then n target JSONs.
const INSERT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local n = tonumber(ARGV[5])
redis.call('HSET', KEYS[1], 'meta', ARGV[2], 'body', ARGV[3], 'owner', ARGV[4], 'n', n)
for i = 0, n - 1 do redis.call('HSET', KEYS[1], 't:' .. i, ARGV[6 + i]) end
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`;

// KEYS[1] push hash; ARGV: index, node, attempts, then the final states. 1 = claimed; 0 = final, gone, held, or
// owned by another node now (this node was taken for dead while it stalled: it must not deliver what was adopted).
const CLAIM_LUA = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[2] then return 0 end
local v = redis.call('HGET', KEYS[1], 't:' .. ARGV[1])
if not v then return 0 end
local t = cjson.decode(v)
for i = 4, #ARGV do if t.state == ARGV[i] then return 0 end end
if t.claim and t.claim ~= ARGV[2] then return 0 end
t.claim = ARGV[2]
t.attempts = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 't:' .. ARGV[1], cjson.encode(t))
return 1
`;

// KEYS[1] push hash, KEYS[2] owner's open set; ARGV: id, index, target JSON, done (1: nothing left to do).
const UPDATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 't:' .. ARGV[2], ARGV[3])
if ARGV[4] == '1' then redis.call('SREM', KEYS[2], ARGV[1]) end
return 1
`;

// KEYS[1] dead node's heartbeat, KEYS[2] its open set, KEYS[3] this node's open set, KEYS[4] push key prefix;
// ARGV[1] this node. Returns the adopted push-ids (none if the node is alive after all).
const ADOPT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {} end
local ids = redis.call('SMEMBERS', KEYS[2])
for _, id in ipairs(ids) do
  if redis.call('EXISTS', KEYS[4] .. id) == 1 then
    redis.call('HSET', KEYS[4] .. id, 'owner', ARGV[1])
    redis.call('SADD', KEYS[3], id)
  end
end
redis.call('DEL', KEYS[2])
return ids
`;

// KEYS[1] push hash; ARGV: now (ms), the final states, '|', target indexes. Cancels the pending, unclaimed ones.
// Returns {cancelled indexes..., -1, refused indexes...}.
const CANCEL_LUA = `
local finals, idx, seenBar = {}, {}, false
for i = 2, #ARGV do
  if ARGV[i] == '|' then seenBar = true elseif seenBar then idx[#idx + 1] = ARGV[i] else finals[ARGV[i]] = true end
end
local done, refused = {}, {}
for _, i in ipairs(idx) do
  local v = redis.call('HGET', KEYS[1], 't:' .. i)
  if v then
    local t = cjson.decode(v)
    if finals[t.state] or t.claim or (t.receipts and #t.receipts > 0) then refused[#refused + 1] = tonumber(i)
    else
      t.state = 'cancelled'; t.code = 1000; t.desc = 'Cancelled by the push initiator'; t.eventTime = tonumber(ARGV[1])
      redis.call('HSET', KEYS[1], 't:' .. i, cjson.encode(t))
      done[#done + 1] = tonumber(i)
    end
  end
end
local out = done
out[#out + 1] = -1
for _, r in ipairs(refused) do out[#out + 1] = r end
return out
`;

export interface RedisPushQueueEvents {
  /** Pushes of a node taken for dead, now owned here: the engine schedules them as after recover(). */
  adopt: [found: RecoveredQueue, from: string];
  /** Targets cancelled by another node on a push this node owns (the engine drops them from its schedule). */
  cancelled: [pushId: string, indexes: number[]];
  error: [err: Error];
}

export interface RedisPushQueueOptions {
  claimIdleMs: number;
}

export class RedisPushQueue extends EventEmitter<RedisPushQueueEvents> implements PushQueue {
  readonly durable = true;
  readonly shared: SharedPushLookup = this;
  private readonly node: string;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly channel: string;

  constructor(
    private readonly link: RedisLink,
    private readonly o: RedisPushQueueOptions,
  ) {
    super();
    this.node = link.nodeId;
    this.channel = link.key('ppg');
    link.sub.on('message', (ch: string, raw: string) => {
      if (ch !== this.channel) return;
      try {
        const m = JSON.parse(raw) as { op: string; pushId: string; indexes: number[]; owner: string };
        if (m.op === 'cancel' && m.owner === this.node) this.emit('cancelled', m.pushId, m.indexes);
      } catch {
        // not ours to crash on
      }
    });
  }

  private pushKey(id: string): string {
    return this.link.key('push', id);
  }
  private openKey(node: string): string {
    return this.link.key('open', node);
  }
  private aliveKey(node: string): string {
    return this.link.key('alive', node);
  }

  /**
   * This node's own pushes from its previous run (claims it held come back in inFlight); adoption of dead nodes'
   * pushes runs from then on. Redis unreachable at start: nothing is waited for (the PPG answers, refusing pushes
   * while it cannot store them); once Redis is back the node's own pushes come through 'adopt', like a dead node's.
   */
  async recover(): Promise<RecoveredQueue> {
    if (!this.heartbeat) {
      this.heartbeat = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.o.claimIdleMs / 3)));
      this.heartbeat.unref();
    }
    if (!this.link.up) {
      this.link.once('up', () => {
        this.recover().then(
          (own) => own.records.length && this.emit('adopt', own, this.node),
          (err: Error) => this.emit('error', err),
        );
      });
      return { records: [], inFlight: [] };
    }
    await this.link.sub.subscribe(this.channel);
    await this.beat();
    return this.load(await this.link.cmd.smembers(this.openKey(this.node)), this.node);
  }

  async insert(rec: PushRecord): Promise<boolean> {
    const { pushId, targets, seq: _seq, content, ...fixed } = rec;
    const { body, ...contentMeta } = content;
    const meta: Meta = { ...fixed, content: contentMeta };
    const r = await this.link.cmd.eval(
      INSERT_LUA,
      2,
      this.pushKey(pushId),
      this.openKey(this.node),
      pushId,
      JSON.stringify(meta),
      body,
      this.node,
      targets.length,
      ...targets.map((t) => JSON.stringify(stored(t))),
    );
    return r === 1;
  }

  async claim(rec: PushRecord, t: Target): Promise<boolean> {
    const r = await this.link.cmd.eval(CLAIM_LUA, 1, this.pushKey(rec.pushId), t.index, this.node, t.attempts, ...FINAL_LIST);
    return r === 1;
  }

  async update(rec: PushRecord, t: Target): Promise<void> {
    const done = rec.targets.every((x) => FINAL_STATES.has(x.state) && !x.notifyOwed);
    await this.link.cmd.eval(UPDATE_LUA, 2, this.pushKey(rec.pushId), this.openKey(this.node), rec.pushId, t.index, JSON.stringify(stored(t)), done ? '1' : '0');
  }

  async remove(pushIds: readonly string[]): Promise<void> {
    if (!pushIds.length) return;
    const m = this.link.cmd.multi();
    for (const id of pushIds) {
      m.del(this.pushKey(id));
      m.srem(this.openKey(this.node), id);
    }
    await m.exec();
  }

  /** A push whichever node holds it (status query at any node): undefined when no node knows the push-id. */
  async find(pushId: string): Promise<NewPushRecord | undefined> {
    const found = await this.load([pushId], undefined);
    return found.records[0];
  }

  /**
   * Cancels targets of a push another node owns (WAP-249 §5.4: only what was not handed to a bearer): done in
   * Redis at once, so the owner's next claim fails; the owner is told to drop them from its schedule.
   */
  async cancel(pushId: string, indexes: readonly number[]): Promise<{ cancelled: number[]; refused: number[] } | undefined> {
    const key = this.pushKey(pushId);
    const owner = await this.link.cmd.hget(key, 'owner');
    if (owner === null) return undefined;
    const r = (await this.link.cmd.eval(CANCEL_LUA, 1, key, Date.now(), ...FINAL_LIST, '|', ...indexes)) as number[];
    const bar = r.indexOf(-1);
    const cancelled = r.slice(0, bar);
    const refused = r.slice(bar + 1);
    if (cancelled.length) {
      await this.link.cmd.publish(this.channel, JSON.stringify({ op: 'cancel', pushId, indexes: cancelled, owner }));
    }
    return { cancelled, refused };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    // The heartbeat is left to expire: a node that stops cleanly with work left is adopted like a dead one.
  }

  private async beat(): Promise<void> {
    await this.link.cmd.set(this.aliveKey(this.node), String(Date.now()), 'PX', this.o.claimIdleMs);
  }

  /** Heartbeat, then adopt the open pushes of every node whose heartbeat has expired. */
  private async tick(): Promise<void> {
    if (this.closed) return;
    try {
      await this.beat();
      const prefix = this.openKey('');
      let cursor = '0';
      do {
        const [next, keys] = await this.link.cmd.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
        cursor = next;
        for (const k of keys) {
          const other = k.slice(prefix.length);
          if (other === this.node || this.closed) continue;
          const ids = (await this.link.cmd.eval(ADOPT_LUA, 4, this.aliveKey(other), k, this.openKey(this.node), this.pushKey(''), this.node)) as string[];
          if (!ids.length) continue;
          const found = await this.load(ids, other);
          if (found.records.length) this.emit('adopt', found, other);
        }
      } while (cursor !== '0');
    } catch (err) {
      if (!this.closed) this.emit('error', err as Error);
    }
  }

  /**
   * Reads pushes back. `claimsOf`: targets claimed by that node (it stopped) are returned in inFlight and their
   * claims cleared; undefined reads without touching claims (status at another node).
   */
  private async load(ids: readonly string[], claimsOf: string | undefined): Promise<RecoveredQueue> {
    const records: NewPushRecord[] = [];
    const inFlight: RecoveredQueue['inFlight'] = [];
    for (const id of ids) {
      const key = this.pushKey(id);
      const h = await this.link.cmd.hgetallBuffer(key);
      if (!h.meta || !h.body || !h.n) continue;
      const meta = JSON.parse(h.meta.toString('utf8')) as Meta;
      const n = Number(h.n.toString());
      const targets: NewPushRecord['targets'] = [];
      const release: (string | number)[] = [];
      for (let i = 0; i < n; i++) {
        const raw = h[`t:${i}`];
        if (!raw) break;
        const s = JSON.parse(raw.toString('utf8')) as StoredTarget;
        if (claimsOf !== undefined && s.claim !== undefined) {
          if (s.claim === claimsOf && !FINAL_STATES.has(s.state)) inFlight.push({ pushId: id, index: i });
          delete s.claim;
          release.push(`t:${i}`, JSON.stringify(s));
        }
        targets.push(targetOf(s));
      }
      if (targets.length !== n) continue;
      if (release.length) await this.link.cmd.hset(key, ...release);
      records.push({ ...meta, pushId: id, content: { ...meta.content, body: h.body }, targets });
    }
    return { records, inFlight };
  }
}

function stored(t: Omit<Target, 'index'>): StoredTarget {
  const s: StoredTarget = {
    address: t.address.raw,
    state: t.state,
    code: t.code,
    eventTime: t.eventTime,
    attempts: t.attempts,
    notBefore: t.notBefore,
  };
  if (t.desc !== undefined) s.desc = t.desc;
  if (t.bearer !== undefined) s.bearer = t.bearer;
  if (t.awaitingReceipts?.size) s.receipts = [...t.awaitingReceipts];
  if (t.lastError !== undefined) s.lastError = t.lastError;
  if (t.notifyOwed) s.notifyOwed = true;
  return s;
}

function targetOf(s: StoredTarget): Omit<Target, 'index'> {
  const t: Omit<Target, 'index'> = {
    address: parsePushAddress(s.address),
    state: s.state,
    code: s.code,
    eventTime: s.eventTime,
    attempts: s.attempts,
    notBefore: s.notBefore,
    busy: false,
  };
  if (s.desc !== undefined) t.desc = s.desc;
  if (s.bearer !== undefined) t.bearer = s.bearer;
  if (s.receipts?.length) t.awaitingReceipts = new Set(s.receipts);
  if (s.lastError !== undefined) t.lastError = s.lastError;
  if (s.notifyOwed) t.notifyOwed = true;
  return t;
}
