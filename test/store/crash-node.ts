/**
 * The durable half of `serve` as a process for the crash test (test/store/crash.test.ts): the store, the PPG
 * (PAP listener, queue in the store, unit pushes out of a real UDP socket to 127.0.0.1:--push-port) and the
 * reference MMSC (messages in the same store) — composed as src/app/serve.ts composes them, without the WAP
 * stack, identity and admin, so that it starts in a second and can be killed and restarted 20 times in a test.
 *
 *   node --import tsx test/store/crash-node.ts --store FILE --push-port N
 *
 * Prints one JSON line when ready: { pap, mm1, recovered } (recovered: the PPG's RecoveryReport). Test-only:
 * GET {mm1 origin}/crash/locations?ids=a,b answers the content locations of stored messages, so the test can
 * retrieve them over MM1 like a handset.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createMmsc } from '../../src/mmsc/index.ts';
import { udpPushTransport } from '../../src/push/delivery.ts';
import { createPpg } from '../../src/push/ppg.ts';
import { openStore } from '../../src/store/index.ts';

const { values } = parseArgs({ options: { store: { type: 'string' }, 'push-port': { type: 'string' } } });
const store = openStore({ path: values.store! });
const transport = await udpPushTransport('127.0.0.1', 0, undefined);
const ppg = createPpg(
  { pushPort: Number(values['push-port']), queue: { retryInterval: 500, max: 100_000 } },
  { transport, store },
);
const pap = await ppg.listen(0, '127.0.0.1');
const recovered = await ppg.ready;
const mmsc = createMmsc({ stateStore: store, pushRetryDelays: [] });
const mm1 = await mmsc.listen(0, '127.0.0.1');
const debug = createServer((req, res) => {
  const ids = new URL(req.url ?? '/', 'http://x').searchParams.get('ids')?.split(',') ?? [];
  const out: Record<string, string | null> = {};
  for (const id of ids) {
    const m = mmsc.store.get(id);
    out[id] = m ? mmsc.locationOf(m.recipients[0]!.token) : null;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
});
await new Promise<void>((r) => debug.listen(0, '127.0.0.1', () => r()));
process.stdout.write(
  `${JSON.stringify({
    pap: `http://127.0.0.1:${pap.port}/wappush`,
    mm1: `http://127.0.0.1:${mm1.port}/mms`,
    debug: `http://127.0.0.1:${(debug.address() as AddressInfo).port}`,
    recovered,
  })}\n`,
);
