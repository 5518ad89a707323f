/** A gateway worker thread's entry (started by src/app/workers.ts): its composition is composeWorker(). */
import { parentPort, workerData } from 'node:worker_threads';
import { composeWorker } from './worker.ts';
import type { WorkerInit } from './worker-protocol.ts';

if (!parentPort) throw new Error('worker-thread runs only as a worker thread (src/app/workers.ts)');
await composeWorker(workerData as WorkerInit, parentPort);
