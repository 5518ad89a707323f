/**
 * An HTTP request body read up to a cap: the PAP listener's and the sendsms listener's. Bounded by construction:
 * past `limit` octets nothing more is kept and the caller answers at once (413 or its protocol's equivalent).
 */
import type { IncomingMessage } from 'node:http';

/** The body, or undefined once it passes `limit` octets (the rest is not kept; the caller closes after answering). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
