/**
 * PAP acceptance throughput (issue 18): runs the PPG on its own (createPpg, unit pushes out of a real UDP socket
 * to a port nobody reads) and prints its PAP URL; drive it with wrk and the script beside this file:
 *
 *   npx tsx test/store/pap-bench.ts [--store FILE] &      # prints "PAP http://127.0.0.1:PORT/wappush"
 *   wrk -t1 -c32 -d10s -s test/store/pap-bench.lua http://127.0.0.1:PORT/wappush
 *
 * Half the pushes are delivered at once, half are due an hour later (they stay queued). Stops on SIGTERM/SIGINT
 * and prints how many pushes the engine holds.
 */
import { parseArgs } from 'node:util';
import { createPpg } from '../../src/push/ppg.ts';
import { udpPushTransport } from '../../src/push/delivery.ts';

const { values } = parseArgs({ options: { store: { type: 'string' }, port: { type: 'string', default: '0' } } });
const transport = await udpPushTransport('127.0.0.1', 0, undefined);
const opts = { papPort: Number(values.port), pushPort: 9, queue: { max: 5_000_000 } };
let extra: Record<string, unknown> = {};
if (values.store) {
  const mod = (await import('../../src/store/index.ts' as string)) as { openStore(o: { path: string }): unknown };
  extra = { store: mod.openStore({ path: values.store }) };
}
const ppg = createPpg(opts, { transport, ...extra });
const addr = await ppg.listen(opts.papPort, '127.0.0.1');
process.stdout.write(`PAP http://127.0.0.1:${addr.port}/wappush\n`);
const stop = async (): Promise<void> => {
  process.stdout.write(`held ${ppg.engine.store.size} pushes, ${ppg.engine.store.pending} pending\n`);
  await ppg.close();
  transport.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
