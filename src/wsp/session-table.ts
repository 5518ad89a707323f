/**
 * The session table of connection-oriented WSP (WAP-230 §7.1.3, §8.2.2): every live session by id and by the
 * peer it is attached to, bounded, with idle and suspend expiry on the injected Clock. The whole lifecycle of a
 * session's place in the table is here: add (evicting the least recently used when full), touch, attach to a
 * peer, detach (Suspend), and one end() for every way a session ends — Disconnect, replaced, idle, evicted,
 * closed — which unlinks it from both maps, stops its timer and tells the owner once.
 *
 * Expiry uses the WTP engines' TimerList (src/wtp/engine.ts): one list per duration (idle, suspended), the
 * session is its own list node, so touching a session on every PDU re-arms it in O(1) without allocating, and
 * one clock timer per list waits for the head. The head of each list is also its least recently used session.
 */
import type { Clock } from '../wtp/clock.ts';
import { TimerList, type TimerNode } from '../wtp/engine.ts';

export type SessionEndReason = 'disconnect' | 'replaced' | 'idle' | 'evicted' | 'closed';

/** What the table needs of a session: its id, the peer key it is attached to, and its list links. */
export interface TableEntry extends TimerNode {
  readonly id: number;
  /** `address|port` of the peer the session is attached to (undefined while suspended). */
  peerKey: string | undefined;
}

export interface SessionTableOptions<S extends TableEntry> {
  max: number;
  idleTimeoutMs: number;
  suspendedTimeoutMs: number;
  clock: Clock;
  /** Called exactly once per session, after it has left the table. */
  ended(s: S, why: SessionEndReason): void;
}

export class SessionTable<S extends TableEntry> {
  private readonly byId = new Map<number, S>();
  private readonly byPeer = new Map<string, S>();
  private readonly idle: TimerList;
  private readonly suspended: TimerList;

  constructor(private readonly o: SessionTableOptions<S>) {
    this.idle = new TimerList(o.clock, o.idleTimeoutMs, (n) => this.end(n as S, 'idle'));
    this.suspended = new TimerList(o.clock, o.suspendedTimeoutMs, (n) => this.end(n as S, 'idle'));
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** The session `id`, without counting as activity. */
  peek(id: number): S | undefined {
    return this.byId.get(id);
  }

  /** The session attached to the peer `pk`, without counting as activity. */
  atPeer(pk: string): S | undefined {
    return this.byPeer.get(pk);
  }

  /** Sessions in the table (a copy: ending them while iterating is safe). */
  all(): S[] {
    return [...this.byId.values()];
  }

  /** A new session, attached to `s.peerKey` and armed idle; the least recently used one goes when full. */
  add(s: S): void {
    while (this.byId.size >= Math.max(1, this.o.max)) {
      const lru = this.leastRecentlyUsed();
      if (!lru) break;
      this.end(lru, 'evicted');
    }
    this.byId.set(s.id, s);
    if (s.peerKey !== undefined) this.byPeer.set(s.peerKey, s);
    this.idle.arm(s);
  }

  /** Activity on a live session: its idle (or suspend) time starts again. */
  touch(s: S): void {
    if (this.byId.get(s.id) !== s) return;
    (s.timerList ?? this.idle).arm(s);
  }

  /** Attaches `s` to the peer `pk` (Connect, Resume): it leaves its old peer, and is armed idle again. */
  attach(s: S, pk: string): void {
    this.unlinkPeer(s);
    s.peerKey = pk;
    this.byPeer.set(pk, s);
    this.idle.arm(s);
  }

  /** WAP-230 §8.2.2.5 Suspend: detached from its peer, kept as long as the suspend timeout allows. */
  detach(s: S): void {
    this.unlinkPeer(s);
    s.peerKey = undefined;
    this.suspended.arm(s);
  }

  /** Ends `s` for `why`: out of both maps, timer stopped, the owner told once. A session not in the table is left. */
  end(s: S, why: SessionEndReason): void {
    if (this.byId.get(s.id) !== s) return;
    this.byId.delete(s.id);
    this.unlinkPeer(s);
    s.timerList?.cancel(s);
    this.o.ended(s, why);
  }

  /** Ends every session (shutdown) and stops the clock timers. */
  close(): void {
    for (const s of this.all()) this.end(s, 'closed');
    this.idle.clear();
    this.suspended.clear();
  }

  private unlinkPeer(s: S): void {
    if (s.peerKey !== undefined && this.byPeer.get(s.peerKey) === s) this.byPeer.delete(s.peerKey);
  }

  /** The head of the list touched longest ago (each list's head is its least recently touched). */
  private leastRecentlyUsed(): S | undefined {
    const a = this.idle.first as S | undefined;
    const b = this.suspended.first as S | undefined;
    if (!a || !b) return a ?? b;
    return a.timerDue - this.idle.ms <= b.timerDue - this.suspended.ms ? a : b;
  }
}
