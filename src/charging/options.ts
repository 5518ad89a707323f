/**
 * Options of the CDR writer, plain and documented, with their defaults (folded into the zod schema by the
 * config room).
 */
import { hostname } from 'node:os';

export interface CdrWriterOptions {
  /** Where records go: a file path (appended to; created with `fileMode`), or 'stdout' / '-'. */
  destination: string;
  /**
   * Longest time a record waits in memory before it is handed to the OS (ms). 0 = the next turn of the event
   * loop, so records of one burst share a write. A crash of the process loses only records not yet handed over.
   */
  maxDelayMs: number;
  /** fdatasync after each batch (survives a machine crash, not only a process crash); costs a disk flush per batch. */
  fsync: boolean;
  /** Bytes held while the destination is slow or failing; records beyond it are dropped and counted. */
  maxPendingBytes: number;
  /** Written into every record as `node` (TS 32.298 Node-ID: which gateway produced it). */
  nodeId: string;
  /** Mode of a file the writer creates. */
  fileMode: number;
  /** Retry delay after a failed write (the records stay queued). */
  retryMs: number;
  /** Hears write / open errors (the writer keeps going). */
  onError?: (err: Error) => void;
}

export const CDR_WRITER_DEFAULTS: CdrWriterOptions = {
  destination: 'stdout',
  maxDelayMs: 0,
  fsync: false,
  maxPendingBytes: 16 * 1024 * 1024,
  nodeId: hostname(),
  fileMode: 0o640,
  retryMs: 1000,
};
