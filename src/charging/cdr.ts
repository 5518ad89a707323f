/**
 * The charging data record and the sink the gateway, the PPG and the other services hand records to
 * (src/gateway/hooks.ts re-exports them for the request path).
 */

/** One charging data record per completed transaction and per push. */
export interface Cdr {
  time: string; // ISO 8601, transaction end
  kind: 'transaction' | 'push';
  clientIp: string;
  clientPort: number;
  msisdn?: string;
  imsi?: string;
  sessionId?: number;
  bearer: 'wsp-cl' | 'wsp-co' | 'push-ip' | 'push-sms';
  method?: string;
  url?: string;
  /** The URL the handset asked for, when a URL map rewrote it into `url`. */
  requestedUrl?: string;
  upstreamStatus?: number;
  wspStatus?: number;
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  mms?: { messageType?: string; transactionId?: string; messageId?: string; recipients?: number };
  outcome?: string;
}

export interface ChargingSink {
  record(cdr: Cdr): void;
  flush(): Promise<void>;
}
