/**
 * The process of `wapgate mmsc`: the reference MMSC on its own (MM1 at /mms), its logger, and its stop on
 * SIGINT/SIGTERM. src/cli/mmsc.ts parses the arguments into MmscProcessOptions and calls runMmsc().
 */
import { createProcessLogger } from './log.ts';
import type { MmscOptions } from '../mmsc/index.ts';

export interface MmscProcessOptions {
  port: number;
  bind: string;
  storeDir: string;
  ppgUrl?: string;
  publicUrl?: string;
  maxSize: number;
  /** Milliseconds. */
  expiry: number;
  requireMsisdn: boolean;
  logLevel: string;
}

/** Runs the MMSC until SIGINT/SIGTERM; resolves with the exit status. */
export async function runMmsc(o: MmscProcessOptions): Promise<number> {
  const { log } = createProcessLogger(o.logLevel, process.stderr.isTTY === true);
  // Loaded here, not at the top: `wapgate mmsc --help` and the other commands never need the MMSC's modules.
  const { createMmsc } = await import('../mmsc/index.ts');
  const options: MmscOptions = {
    storeDir: o.storeDir,
    ...(o.ppgUrl ? { ppgUrl: o.ppgUrl } : {}),
    ...(o.publicUrl ? { publicUrl: o.publicUrl } : {}),
    maxSize: o.maxSize,
    expiry: o.expiry,
    requireMsisdn: o.requireMsisdn,
    logger: log,
  };
  const mmsc = createMmsc(options);
  const addr = await mmsc.listen(o.port, o.bind);
  log.info({ mm1: `http://${addr.address}:${addr.port}/mms`, ppg: o.ppgUrl ?? null, store: o.storeDir }, 'mmsc: listening');
  if (!o.ppgUrl) log.warn({}, 'mmsc: no --ppg given: notifications will not be pushed');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await mmsc.close();
  return 0;
}
