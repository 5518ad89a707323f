/**
 * A tiny HTTP CONNECT proxy on loopback for tests (RFC 9110 §9.3.6). `route` may send a tunnel somewhere other
 * than asked — how a replayed capture naming a fixed port reaches a test upstream on an ephemeral one.
 */
import { createServer } from 'node:http';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';

export interface ConnectProxy {
  url: string;
  /** 'host:port' of every CONNECT asked for. */
  tunnels: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(
  route: (host: string, port: number) => { host: string; port: number } = (host, port) => ({ host, port }),
): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_q, r) => {
    r.writeHead(405);
    r.end();
  });
  server.on('connect', (q, client: Socket, head: Buffer) => {
    tunnels.push(q.url ?? '');
    const i = (q.url ?? '').lastIndexOf(':');
    const to = route((q.url ?? '').slice(0, i), Number((q.url ?? '').slice(i + 1)));
    const upstream = netConnect(to.port, to.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream).add(client);
    upstream.on('close', () => sockets.delete(upstream));
    client.on('close', () => sockets.delete(client));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
