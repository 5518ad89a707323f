/**
 * The two undici classes the gateway uses. The Pool is loaded from its own module instead of the package entry:
 * undici's index.js loads everything the package offers at once — fetch, WebSocket, EventSource, caches, mock
 * agents — which cost every isolate (the main thread and each gateway worker thread) ~8 MiB of RSS and ~100 ms of
 * start-up for code the gateway never runs (docs/build.md). undici 7 has no "exports" map, so the module is
 * reachable by path; test/gateway/undici-entry.test.ts checks that it is the very class the entry exports, so
 * an upgrade that moves it fails there, not at run time.
 */
import { createRequire } from 'node:module';
import type { Pool as UndiciPool, ProxyAgent as UndiciProxyAgent } from 'undici';

const load = createRequire(import.meta.url);

/** undici's Pool (one per allowed upstream origin). */
export const Pool = load('undici/lib/dispatcher/pool.js') as typeof UndiciPool;

/**
 * undici's ProxyAgent, loaded only when an upstream proxy is configured — through the package entry: the agent
 * opens its tunnels with `connect()`, one of the API methods the entry adds to every Dispatcher.
 */
export function proxyAgentClass(): typeof UndiciProxyAgent {
  return (load('undici') as typeof import('undici')).ProxyAgent;
}
