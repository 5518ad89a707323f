/**
 * The sendsms queue and its DLR correlations shared by several nodes (issue 20), filling the QueueBackend contract
 * of src/smsbox/queue.ts in Redis: a message accepted by any node (sendsms 202 once Redis has it) is delivered by
 * one node — its owner — and when that node dies another adopts its open jobs and correlations after
 * `claimIdleMs`. Same pattern as the PPG queue (push-queue-redis.ts), under its own keys and heartbeat, so the
 * sendsms service needs no PPG and the reverse.
 *
 * Layout (prefix P):
 *   P:sms:job:<id>      hash: job (JSON, Buffers as {"$b": base64}), owner, claim (the node in an attempt)
 *   P:sms:open:<node>   set: the job ids a node owns
 *   P:sms:dlr:<jobId>   hash: c (JSON correlation), owner
 *   P:sms:dlro:<node>   set: the correlations a node owns
 *   P:sms:alive:<node>  lives `claimIdleMs`, renewed every third of it: the node's heartbeat
 * Ownership moves only through ADOPT_LUA, which checks in one step that the old owner's heartbeat is gone: two
 * surviving nodes never adopt the same job; a job is sent twice only when its owner died inside an attempt
 * (recovered with its claim set, counted in `inFlight`) — the bound of the one-node store.
 *
 * SmsQueue.load() is synchronous: recover() reads this node's own work first (awaited by startSharedState), load()
 * hands it over once; what is adopted later comes through the 'adopt' event (Smsbox.absorb).
 */
import { EventEmitter } from 'node:events';
import type { RedisLink } from './redis-link.ts';
import { decodeRecord, encodeRecord, type Correlation, type QueueBackend, type SmsJob } from '../smsbox/queue.ts';

// KEYS[1] job hash, KEYS[2] owner's open set; ARGV: id, job, owner. 0 if the id exists (ids unique across nodes).
const INSERT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'job', ARGV[2], 'owner', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`;

// KEYS[1] job hash; ARGV: node. 1 = this node may attempt; 0 = gone (delivered, expired) or another node's now.
const CLAIM_LUA = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
local c = redis.call('HGET', KEYS[1], 'claim')
if c and c ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'claim', ARGV[1])
return 1
`;

// KEYS[1] job hash; ARGV: node, job. Back to waiting (a retry): only by its owner.
const UPDATE_LUA = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'job', ARGV[2])
redis.call('HDEL', KEYS[1], 'claim')
return 1
`;

// KEYS[1] hash; ARGV: id, open-set prefix, the set's field. Gone for every node: out of its owner's open set too.
const REMOVE_LUA = `
local owner = redis.call('HGET', KEYS[1], 'owner')
redis.call('DEL', KEYS[1])
if owner then redis.call('SREM', ARGV[2] .. owner, ARGV[1]) end
return 1
`;

// KEYS[1] correlation hash, KEYS[2] owner's correlation set; ARGV: jobId, JSON, node. A correlation adopted by
// another node stays its: the stalled former owner does not take it back.
const PUT_CORRELATION_LUA = `
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner and owner ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], 'c', ARGV[2], 'owner', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
`;

// KEYS[1] dead node's heartbeat, KEYS[2]/KEYS[3] its job/correlation sets, KEYS[4]/KEYS[5] this node's,
// KEYS[6]/KEYS[7] job/correlation key prefixes; ARGV[1] this node. Returns {job ids, correlation ids}.
const ADOPT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {{}, {}} end
local out = {}
for s = 0, 1 do
  local ids = redis.call('SMEMBERS', KEYS[2 + s])
  local got = {}
  for _, id in ipairs(ids) do
    if redis.call('EXISTS', KEYS[6 + s] .. id) == 1 then
      redis.call('HSET', KEYS[6 + s] .. id, 'owner', ARGV[1])
      redis.call('SADD', KEYS[4 + s], id)
      got[#got + 1] = id
    end
  end
  redis.call('DEL', KEYS[2 + s])
  out[s + 1] = got
end
return out
`;

/** Work read back from Redis: this node's own at start, or a dead node's. */
export interface RecoveredSms {
  jobs: SmsJob[];
  correlations: Correlation[];
  /** Jobs whose owner was inside an attempt when it stopped: delivered again (a duplicate is possible). */
  inFlight: number;
}

export interface RedisSmsQueueEvents {
  /** A dead node's jobs and correlations (or this node's own, read once Redis came back), now owned here. */
  adopt: [found: RecoveredSms, from: string];
  error: [err: Error];
}

export interface RedisSmsQueueOptions {
  claimIdleMs: number;
}

export class RedisSmsQueue extends EventEmitter<RedisSmsQueueEvents> implements QueueBackend {
  private readonly node: string;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private loaded: RecoveredSms = { jobs: [], correlations: [], inFlight: 0 };
  private waitingForLink = false;
  private started = false;

  constructor(
    private readonly link: RedisLink,
    private readonly o: RedisSmsQueueOptions,
  ) {
    super();
    this.node = link.nodeId;
  }

  private jobKey(id: string): string {
    return this.link.key('sms', 'job', id);
  }
  private openKey(node: string): string {
    return this.link.key('sms', 'open', node);
  }
  private dlrKey(jobId: string): string {
    return this.link.key('sms', 'dlr', jobId);
  }
  private dlrOpenKey(node: string): string {
    return this.link.key('sms', 'dlro', node);
  }
  private aliveKey(node: string): string {
    return this.link.key('sms', 'alive', node);
  }

  /**
   * Reads this node's own open work (claims it held come back as inFlight) for load() and beats once. Redis
   * unreachable: nothing is waited for; once Redis is back the node's own work comes through 'adopt', like a dead
   * node's.
   */
  async recover(): Promise<RecoveredSms> {
    if (!this.link.up) {
      if (!this.waitingForLink) {
        this.waitingForLink = true;
        this.link.once('up', () => {
          this.waitingForLink = false;
          this.recover().then(
            (own) => this.handOver(own, this.node),
            (err: Error) => this.emit('error', err),
          );
        });
      }
      return { jobs: [], correlations: [], inFlight: 0 };
    }
    await this.beat();
    const own = await this.read(await this.link.cmd.smembers(this.openKey(this.node)), await this.link.cmd.smembers(this.dlrOpenKey(this.node)));
    this.loaded = own;
    return own;
  }

  /**
   * The smsbox consumes the queue from now on: heartbeat and adoption passes start. A node without the sendsms
   * service never calls it — it adopts nothing, and its own leftover work goes to the nodes that run sendsms.
   */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    void this.tick();
    this.heartbeat = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.o.claimIdleMs / 3)));
    this.heartbeat.unref();
  }

  /** What recover() read, handed over once (SmsQueue's constructor). */
  load(): { jobs: SmsJob[]; correlations: Correlation[] } {
    const { jobs, correlations } = this.loaded;
    this.loaded = { jobs: [], correlations: [], inFlight: 0 };
    return { jobs, correlations };
  }

  /** Resolves once Redis has them (sendsms answers 202 after that); rejects on a duplicate id. */
  async insert(jobs: readonly SmsJob[]): Promise<void> {
    if (!jobs.length) return;
    const m = this.link.cmd.multi();
    for (const j of jobs) m.eval(INSERT_LUA, 2, this.jobKey(j.id), this.openKey(this.node), j.id, encodeRecord(j), this.node);
    const r = await m.exec();
    if (!r) throw new Error('sendsms jobs not stored: Redis transaction aborted');
    for (const [err, ok] of r) {
      if (err) throw err;
      if (ok !== 1) throw new Error('sendsms job id exists already in the shared queue');
    }
  }

  async claim(job: SmsJob): Promise<boolean> {
    return (await this.link.cmd.eval(CLAIM_LUA, 1, this.jobKey(job.id), this.node)) === 1;
  }

  update(job: SmsJob): void {
    this.bg(this.link.cmd.eval(UPDATE_LUA, 1, this.jobKey(job.id), this.node, encodeRecord(job)));
  }

  remove(id: string): void {
    this.bg(this.link.cmd.eval(REMOVE_LUA, 1, this.jobKey(id), id, this.openKey('')));
  }

  putCorrelation(c: Correlation): void {
    this.bg(this.link.cmd.eval(PUT_CORRELATION_LUA, 2, this.dlrKey(c.jobId), this.dlrOpenKey(this.node), c.jobId, encodeRecord(c), this.node));
  }

  removeCorrelation(jobId: string): void {
    this.bg(this.link.cmd.eval(REMOVE_LUA, 1, this.dlrKey(jobId), jobId, this.dlrOpenKey('')));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    // The heartbeat is left to expire: a node that stops with work left is adopted like a dead one.
  }

  /** To the smsbox once started; before that, kept for load(). */
  private handOver(found: RecoveredSms, from: string): void {
    if (!found.jobs.length && !found.correlations.length) return;
    if (this.started) {
      this.emit('adopt', found, from);
      return;
    }
    this.loaded.jobs.push(...found.jobs);
    this.loaded.correlations.push(...found.correlations);
    this.loaded.inFlight += found.inFlight;
  }

  /** Writes the SmsQueue does not wait for: ordered on the one command connection, failures reported. */
  private bg(p: Promise<unknown>): void {
    p.catch((err: Error) => this.emit('error', err));
  }

  private async beat(): Promise<void> {
    await this.link.cmd.set(this.aliveKey(this.node), String(Date.now()), 'PX', this.o.claimIdleMs);
  }

  /** Heartbeat, then adopt the open work of every node whose heartbeat has expired. */
  private async tick(): Promise<void> {
    if (this.closed || !this.link.up) return;
    try {
      await this.beat();
      const others = new Set<string>();
      for (const prefix of [this.openKey(''), this.dlrOpenKey('')]) {
        let cursor = '0';
        do {
          const [next, keys] = await this.link.cmd.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
          cursor = next;
          for (const k of keys) others.add(k.slice(prefix.length));
        } while (cursor !== '0');
      }
      others.delete(this.node);
      for (const other of others) {
        if (this.closed) return;
        const [jobIds, dlrIds] = (await this.link.cmd.eval(
          ADOPT_LUA,
          7,
          this.aliveKey(other),
          this.openKey(other),
          this.dlrOpenKey(other),
          this.openKey(this.node),
          this.dlrOpenKey(this.node),
          this.jobKey(''),
          this.dlrKey(''),
          this.node,
        )) as [string[], string[]];
        if (!jobIds.length && !dlrIds.length) continue;
        const found = await this.read(jobIds, dlrIds);
        this.handOver(found, other);
      }
    } catch (err) {
      if (!this.closed) this.emit('error', err as Error);
    }
  }

  /** Reads jobs and correlations back; claims left by a stopped owner are cleared and counted as in flight. */
  private async read(jobIds: readonly string[], dlrIds: readonly string[]): Promise<RecoveredSms> {
    const out: RecoveredSms = { jobs: [], correlations: [], inFlight: 0 };
    for (const id of jobIds) {
      const key = this.jobKey(id);
      const h = await this.link.cmd.hgetall(key);
      if (!h.job) continue;
      try {
        out.jobs.push(decodeRecord<SmsJob>(h.job));
      } catch (err) {
        this.emit('error', new Error(`sendsms job ${id} unreadable in Redis: ${(err as Error).message}`));
        continue;
      }
      if (h.claim !== undefined) {
        out.inFlight++;
        await this.link.cmd.hdel(key, 'claim');
      }
    }
    for (const id of dlrIds) {
      const c = await this.link.cmd.hget(this.dlrKey(id), 'c');
      if (c === null) continue;
      try {
        out.correlations.push(decodeRecord<Correlation>(c));
      } catch (err) {
        this.emit('error', new Error(`sendsms correlation ${id} unreadable in Redis: ${(err as Error).message}`));
      }
    }
    out.correlations.sort((a, b) => a.created - b.created);
    return out;
  }
}
