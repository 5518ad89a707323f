/** HTTP helpers of the MM1 server: bounded body reading, Transaction-Id salvage for error answers. */
import type { IncomingMessage } from 'node:http';

/** Past this, reading stops (the connection is dropped) however the answer was going to be. */
const HARD_CAP = 32 * 1024 * 1024;

/**
 * Reads a request body keeping at most `cap` octets in memory; the rest is counted and discarded (so an oversized
 * message still gets its m-send-conf), up to HARD_CAP.
 */
export async function readBody(req: IncomingMessage, cap: number): Promise<{ body: Buffer; octets: number }> {
  const chunks: Buffer[] = [];
  let octets = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    octets += chunk.length;
    if (octets <= cap) chunks.push(chunk);
    else if (octets > HARD_CAP) break;
  }
  return { body: Buffer.concat(chunks), octets };
}

/** The Transaction-Id of a PDU too large or too broken to decode, when it starts the usual way (8C xx 98 ...). */
export function salvageTransactionId(buf: Buffer): string {
  if (buf[0] !== 0x8c || buf[2] !== 0x98) return '';
  const end = buf.indexOf(0, 3);
  return end > 3 && end < 3 + 256 ? buf.toString('latin1', buf[3] === 0x7f ? 4 : 3, end) : '';
}
