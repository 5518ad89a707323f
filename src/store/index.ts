/**
 * src/store — durable state in one SQLite file (see store.ts for how a room keeps its tables here).
 *
 *   const store = openStore({ path: 'var/wapgate.db' });     // WAL, synchronous=FULL, checked at open
 *   store.room(MY_ROOM);                                      // migrations the file lacks
 *   await store.commits.write(() => insert.run(...));         // durable when it resolves (group commit)
 *   store.close();
 */
export { openStore, Store, STORE_APPLICATION_ID, STORE_FORMAT, isStoreFailure } from './store.ts';
export type { CheckReport, Db, Migration, RoomDefinition, RoomInfo, StoreOptions } from './store.ts';
export { GroupCommit, type GroupCommitStats } from './group-commit.ts';
export { StoreError, storeError, type StoreErrorCode } from './errors.ts';
export { storeOptionsFromConfig, storePathOf } from './from-config.ts';
