/**
 * PAP over TLS (Kannel's ppg-ssl-port): a second listener for the same PAP handler, HTTPS with the operator's
 * certificate and key, and — when a client CA is given — mutual TLS: only push initiators presenting a
 * certificate that CA issued complete the handshake (the trusted-address and credential checks of the
 * handler still apply on top).
 *
 *   const tls = await listenPapTls(ppg.handler, { cert, key, clientCa }, 8443, '127.0.0.1'); ... await tls.close();
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PapTlsFiles {
  /** PEM certificate chain file (server certificate first). */
  cert: string;
  /** PEM private key file. */
  key: string;
  /** PEM file of the CA(s) whose client certificates are accepted; unset = no client certificate asked. */
  clientCa?: string | undefined;
}

export class PapTlsError extends Error {
  override readonly name = 'PapTlsError';
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new PapTlsError(`push.tls.${what}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

export interface PapTlsListener {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

export async function listenPapTls(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  files: PapTlsFiles,
  port: number,
  host: string,
): Promise<PapTlsListener> {
  const cert = read(files.cert, 'cert');
  const key = read(files.key, 'key');
  const ca = files.clientCa ? read(files.clientCa, 'clientCa') : undefined;
  let server: Server;
  try {
    server = createServer(
      {
        cert,
        key,
        minVersion: 'TLSv1.2',
        requestTimeout: 30_000,
        headersTimeout: 10_000,
        ...(ca ? { ca, requestCert: true, rejectUnauthorized: true } : {}),
      },
      handler,
    );
  } catch (e) {
    throw new PapTlsError(`push.tls: certificate or key not usable (${(e as Error).message})`);
  }
  // A failed handshake (no or a foreign client certificate, plain HTTP on the TLS port) closes that socket only.
  server.on('tlsClientError', () => {});
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
