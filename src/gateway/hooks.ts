/**
 * The small interfaces through which identity, access control and charging plug into the request path
 * (DESIGN.md: "identity and charging plug in through small interfaces, so a deployment without RADIUS or
 * CDRs carries no dead weight on the per-packet path"). The gateway holds optional instances of these;
 * src/identity/ and src/charging/ implement them.
 */

export type Service = 'cl' | 'co' | 'ppg';

/** Who may use the gateway (client allow/deny lists, per-IP rate limits). */
export interface ClientPolicy {
  /** 'ok' to serve, 'deny' to drop silently (one log line), 'rate-limited' to answer a WSP 503. */
  admit(clientIp: string, service: Service, now: number): 'ok' | 'deny' | 'rate-limited';
}

/**
 * Whether a new method may run (src/gateway/admission.ts): the gateway's own state first ('draining' after
 * refuseNew(): answered 503 without reaching the upstream), then the client policy.
 */
export type Admission = 'ok' | 'deny' | 'rate-limited' | 'draining';
export interface AdmissionGate {
  admit(clientIp: string, service: Service, now: number): Admission;
}

/** Subscriber identity as known from RADIUS accounting or the static table. */
export interface Subscriber {
  msisdn: string;
  imsi?: string;
}

/** What the upstream is told about the handset (X-MSISDN & co). */
export interface Enricher {
  /** Lower-case header names a handset must never send upstream (they are stripped before forwarding). */
  readonly protectedHeaders: ReadonlySet<string>;
  lookup(clientIp: string): Subscriber | undefined;
  /**
   * Headers to add for a request from clientIp to upstream origin; 'refuse' when the subscriber is
   * unknown and the origin is configured to require one.
   */
  headersFor(clientIp: string, origin: string): Record<string, string> | 'refuse';
}

// The charging record and sink are charging's own types (src/charging/cdr.ts); the gateway calls them.
export type { Cdr, ChargingSink } from '../charging/cdr.ts';
