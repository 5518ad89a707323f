/**
 * Test partners for the MMSC: a PPG stand-in that reads each PAP submission with the project's PAP parser
 * (src/push, written by the push engineer, not by the MMSC) and answers with a PAP 2.0 push-response.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeMms, type MmsPdu } from '../../src/mms/index.ts';
import { parsePapBody } from '../../src/push/pap-multipart.ts';
import { parsePapControl, type PushMessage } from '../../src/push/pap-parse.ts';

export interface ReceivedPush {
  addresses: string[];
  contentType: string;
  applicationId: string | undefined;
  content: Buffer;
  pdu: MmsPdu;
  control: PushMessage;
}

export interface FakePpg {
  url: string;
  pushes: ReceivedPush[];
  /** Answer the next n submissions with HTTP 503 (a PPG that is down). */
  failNext(n: number): void;
  /** Resolves once `n` pushes have arrived in total. */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedPush[]>;
  close(): Promise<void>;
}

export async function fakePpg(): Promise<FakePpg> {
  const pushes: ReceivedPush[] = [];
  let failing = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failing > 0) {
        failing--;
        res.statusCode = 503;
        res.end('down');
        return;
      }
      const body = parsePapBody(req.headers['content-type'], Buffer.concat(chunks), 1 << 20);
      const control = parsePapControl(body.control) as PushMessage;
      const content = body.content!;
      const header = (n: string) => content.headers.find(([k]) => k === n)?.[1];
      pushes.push({
        addresses: control.addresses.map((a) => a.raw),
        contentType: content.contentType,
        applicationId: header('x-wap-application-id'),
        content: content.body,
        pdu: decodeMms(content.body),
        control,
      });
      for (const w of [...waiters]) if (pushes.length >= w.n) w.resolve();
      res.setHeader('content-type', 'application/xml');
      res.end(
        `<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">` +
          `<pap><push-response push-id="${control.pushId}"><response-result code="1001" desc="Accepted for processing"/></push-response></pap>`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/pap`,
    pushes,
    failNext(n) {
      failing = n;
    },
    waitFor(n, timeoutMs = 5000) {
      if (pushes.length >= n) return Promise.resolve(pushes);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`only ${pushes.length} of ${n} pushes arrived`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(t);
            resolve(pushes);
          },
        });
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** POSTs an MMS PDU to the MM1 endpoint like a gateway would (X-MSISDN injected when given). */
export async function postMms(url: string, pdu: Buffer, o: { msisdn?: string; contentType?: string } = {}): Promise<{ status: number; body: Buffer; pdu?: MmsPdu }> {
  const headers: Record<string, string> = { 'content-type': o.contentType ?? 'application/vnd.wap.mms-message' };
  if (o.msisdn) headers['x-msisdn'] = o.msisdn;
  const res = await fetch(url, { method: 'POST', headers, body: new Uint8Array(pdu) });
  const body = Buffer.from(await res.arrayBuffer());
  return body.length ? { status: res.status, body, pdu: decodeMms(body) } : { status: res.status, body };
}

export async function getMms(url: string): Promise<{ status: number; body: Buffer; contentType: string | null }> {
  const res = await fetch(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get('content-type') };
}
