/** The reference MMSC: MM1 server, message store, PAP notifier. */
export { createMmsc, MMS_CONTENT_TYPE } from './server.ts';
export type { Mmsc, MmscLogger, MmscOptions } from './options.ts';
export { admit, pushAddressOf, type Admission, type AdmitContext } from './admit.ts';
export { MessageStore, mmscStorePath, MMSC_ROOM, type MessageRecord, type RecipientRecord, type RecipientState, newToken } from './store.ts';
export { papRequest, pushMessageXml, submitPush, MMS_UA_APPLICATION_ID, type PapPush, type PapResult } from './pap-client.ts';
export * from './pdus.ts';
