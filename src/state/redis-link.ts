/**
 * The one link of a node to the shared Redis (issue 20): a command connection and a subscriber connection
 * (pub/sub needs its own), key naming under one prefix, and health as the rest of the node sees it.
 *
 * Nothing on the per-packet path waits on this link: readers keep local copies (subscriber-replica.ts) and only
 * work that must be shared before it is acknowledged (a PAP push, a sendsms message) awaits Redis — and fails
 * fast (commandTimeoutMs) while Redis is away, so a PAP client gets an answer, never a hang.
 *
 * Health: `up` follows the connections' ready/close events; `healthy()` stays true for `graceMs` after a loss,
 * so a Redis failover (Sentinel promotes a replica in a few seconds) does not flap /readyz.
 */
import { EventEmitter } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisLinkOptions {
  /** redis://[user:password@]host:port[/db], rediss:// for TLS. */
  url: string;
  /** Every key and channel of this deployment starts with it (several deployments may share one Redis). */
  keyPrefix: string;
  /** This node's name: consumer name in the stream groups, origin of replicated changes. */
  nodeId: string;
  /** How long the link may be down before the node reports itself not ready. */
  graceMs: number;
  /** A command that gets no answer within this fails (it never hangs a PAP or sendsms answer). */
  commandTimeoutMs: number;
  /** ms, monotonic (injected in tests). */
  now?: () => number;
  /** Extra ioredis options (tests: retryStrategy). */
  redisOptions?: RedisOptions;
}

export interface RedisLinkEvents {
  /** Both connections ready (first time and after every reconnect): replicas resynchronise on it. */
  up: [];
  down: [err?: Error];
  error: [err: Error];
}

export class RedisLink extends EventEmitter<RedisLinkEvents> {
  /** Commands (and Lua scripts). */
  readonly cmd: Redis;
  /** Subscriptions only. */
  readonly sub: Redis;
  readonly nodeId: string;
  private readonly prefix: string;
  private readonly graceMs: number;
  private readonly now: () => number;
  private wasUp = false;
  private downAt: number | undefined;
  private closed = false;

  constructor(o: RedisLinkOptions) {
    super();
    this.nodeId = o.nodeId;
    this.prefix = o.keyPrefix;
    this.graceMs = o.graceMs;
    this.now = o.now ?? (() => performance.now());
    const base: RedisOptions = {
      lazyConnect: true,
      commandTimeout: o.commandTimeoutMs,
      // Commands issued while disconnected wait for the reconnect, but at most commandTimeout.
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(50 * times, 1000),
      connectionName: `wapgate:${o.nodeId}`,
      ...o.redisOptions,
    };
    this.cmd = new Redis(o.url, base);
    this.sub = new Redis(o.url, { ...base, commandTimeout: undefined });
    this.downAt = this.now();
    for (const c of [this.cmd, this.sub]) {
      c.on('ready', () => this.update());
      c.on('close', () => this.update());
      c.on('end', () => this.update());
      c.on('error', (err: Error) => this.emit('error', err));
    }
  }

  /** Connects both; resolves when both are ready (rejects if the first attempt fails). */
  async connect(): Promise<void> {
    await Promise.all([this.cmd.connect(), this.sub.connect()]);
  }

  /** `prefix:part:part` — every key and channel this deployment uses. */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  get up(): boolean {
    return this.cmd.status === 'ready' && this.sub.status === 'ready';
  }

  /** ms since the link went down (undefined while up). */
  get downFor(): number | undefined {
    return this.downAt === undefined ? undefined : this.now() - this.downAt;
  }

  /** Up, or down for less than the grace period (what /readyz asks). */
  healthy(): boolean {
    const d = this.downFor;
    return d === undefined || d < this.graceMs;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.cmd.quit(), this.sub.quit()]);
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  /** Called on every connection event: one 'up' per recovery, one 'down' per loss. */
  private update(): void {
    const up = this.up;
    if (up === this.wasUp) return;
    this.wasUp = up;
    if (up) {
      this.downAt = undefined;
      this.emit('up');
    } else {
      this.downAt = this.now();
      if (!this.closed) this.emit('down');
    }
  }
}
