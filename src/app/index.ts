/**
 * The composition root (issue 13): the only room that knows every part of the process. cli/ parses arguments
 * and calls it; nothing else imports it (test/architecture.test.ts).
 *   runServe / startServe (serve.ts)   `wapgate serve`: identity, charging, the gateway (in this thread, or N
 *                                       worker threads: workers.ts), PPG, embedded MMSC, services, operations
 *   composeWorker (worker.ts)          the per-thread composition of a gateway worker
 *   runMmsc (mmsc.ts)                  `wapgate mmsc`: the reference MMSC on its own
 *
 * Wiring a new service into serve: give its room a constructor that takes its dependencies (e.g.
 * `createSmsbox(deps)` in src/smsbox/index.ts), then add one block to createServices() in src/app/services.ts —
 * `if (cfg.<section>.enabled) services.push(service('<name>', { start, stop, status }))` — with what it needs
 * from ServeParts (config, log, registry/metrics, CDR sink, identity, gateway, PPG). startServe() starts it after
 * the gateway and the PPG, stops it on shutdown, and shows its status() under /status.
 */
export { runServe, startServe, type Stack } from './serve.ts';
export { createServices, service, type Service, type ServeParts } from './services.ts';
export { composeWorker } from './worker.ts';
export { runMmsc, type MmscProcessOptions } from './mmsc.ts';
export { demoInstructions, isEmbedded, withEmbeddedDefaults, DEMO_SUBSCRIBERS } from './embedded.ts';
