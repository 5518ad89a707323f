/**
 * src/gateway/undici.ts loads undici's Pool and ProxyAgent from their own modules, not from the package entry
 * (issue 13: the entry loads fetch, WebSocket, caches and mock agents, ~8 MiB and ~100 ms per isolate). Guards:
 * the modules are the very classes the entry exports (an undici upgrade that moves them fails here), and the
 * gateway's request path does not load the entry.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Pool, proxyAgentClass } from '../../src/gateway/undici.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe("the gateway's undici classes", () => {
  it('are the classes undici exports', () => {
    const undici = createRequire(import.meta.url)('undici') as typeof import('undici');
    expect(Pool).toBe(undici.Pool);
    expect(proxyAgentClass()).toBe(undici.ProxyAgent);
  });

  it("importing the gateway's proxy does not load undici's package entry", async () => {
    const script = [
      "const { createRequire } = await import('node:module');",
      "await import('./src/gateway/proxy.ts');",
      'const cache = Object.keys(createRequire(import.meta.url).cache);',
      "console.log(JSON.stringify({ pool: cache.some((k) => k.endsWith('/undici/lib/dispatcher/pool.js')), entry: cache.some((k) => k.endsWith('/undici/index.js')) }));",
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, timeout: 60_000 });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ pool: true, entry: false });
  });
});
