/** The reference MMSC: MM1 server, message store, PAP notifier. */
export { createMmsc, MMS_CONTENT_TYPE, type Mmsc, type MmscLogger, type MmscOptions } from './server.ts';
export { DirectoryStore, type MessageRecord, type RecipientRecord, type RecipientState, newToken } from './store.ts';
export { papRequest, pushMessageXml, submitPush, MMS_UA_APPLICATION_ID, type PapPush, type PapResult } from './pap-client.ts';
export * from './pdus.ts';
