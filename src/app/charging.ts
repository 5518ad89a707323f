/**
 * The CDR writer built from the validated configuration (`charging:` section, src/config/sections/charging.ts).
 * undefined when no destination is configured (no CDRs, no writer on the request path).
 */
import type { WapgateConfig } from '../config/schema.ts';
import { createCdrWriter, type CdrWriter } from '../charging/cdr-writer.ts';
import type { CdrWriterOptions } from '../charging/options.ts';

export function createCdrWriterFromConfig(
  c: WapgateConfig['charging'],
  extra: Partial<Pick<CdrWriterOptions, 'nodeId' | 'onError' | 'fsync'>> = {},
): CdrWriter | undefined {
  if (!c.cdr.destination) return undefined;
  return createCdrWriter({ destination: c.cdr.destination, maxDelayMs: c.cdr.flushInterval, ...extra });
}
