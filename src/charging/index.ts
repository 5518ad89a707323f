/** The charging layer's public surface: the JSON-lines CDR writer and the MMS peek for records. */
export { createCdrWriter, formatCdr } from './cdr-writer.ts';
export type { CdrWriter, CdrWriterCounters } from './cdr-writer.ts';
export { mmsSummary, mmsTransactionSummary, isMmsContentType } from './mms-summary.ts';
export type { MmsSummary } from './mms-summary.ts';
export * from './options.ts';
