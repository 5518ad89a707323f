/** Options and the public face of the reference MMSC (src/mmsc/server.ts). */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Store } from '../store/index.ts';
import type { MessageRecord, MessageStore } from './store.ts';

export interface MmscLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface MmscOptions {
  /**
   * Directory of a standalone MMSC's store: <storeDir>/mmsc.db (default 'var/mmsc'). With stateStore, only where
   * an older wapgate's index.json + messages/ are looked for (taken in once).
   */
  storeDir?: string;
  /** The process's durable store (src/store) to keep messages in (serve: shared with the PPG queue). */
  stateStore?: Store;
  /** PAP URL of the PPG notifications are pushed to; unset → nothing is pushed (a warning per message). */
  ppgUrl?: string;
  /** Base URL of content locations (default http://HOST:PORT{path} once listening). */
  publicUrl?: string;
  /** MM1 endpoint path (default '/mms'). */
  path?: string;
  /** Largest m-send-req accepted, in octets (default 307200 = 300 KB). */
  maxSize?: number;
  /** Default and longest message lifetime in ms (default 7 days). */
  expiry?: number;
  /** Most recipients (To + Cc + Bcc) in one message (default 20). */
  maxRecipients?: number;
  /** Request header carrying the sender's MSISDN, injected by the gateway (default 'x-msisdn'). */
  msisdnHeader?: string;
  /** Refuse m-send-req without that header (default false: a From address is then trusted). */
  requireMsisdn?: boolean;
  /** ppg-specifier of PAP client addresses, WAPPUSH=...@THIS (default 'ppg'). */
  ppgDomain?: string;
  /** How often expired messages are purged, ms (default 60 s). */
  purgeIntervalMs?: number;
  /** Delays before retrying a failed push, ms (default [2000, 10000]). */
  pushRetryDelays?: number[];
  /** Milliseconds since the epoch (tests inject a fake). */
  now?: () => number;
  logger?: MmscLogger;
}

export interface Mmsc {
  server: Server;
  store: MessageStore;
  /** Listens (port 0 = ephemeral); resolves with the bound address. */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops listening, cancels retries and pending pushes, waits for store writes (closes a store it opened). */
  close(): Promise<void>;
  /** Purges expired messages now (also runs every purgeIntervalMs). */
  purge(): Promise<MessageRecord[]>;
  /** The content location URL of a recipient's token. */
  locationOf(token: string): string;
  /** Resolves when every push started so far has finished (tests). */
  idle(): Promise<void>;
  /**
   * Stores an m-retrieve-conf exactly as given (it is served byte-identical) for the given recipients and notifies
   * them: how an operator injects a message (e.g. one received from another MMSC) into this one.
   */
  deposit(retrieveConf: Buffer, recipients: string[], o?: { expiry?: number }): Promise<MessageRecord>;
}

