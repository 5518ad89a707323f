/**
 * PAP over TLS (push.tls, Kannel's ppg-ssl-port) with certificates openssl makes in a temp dir: a CA, the
 * PPG's server certificate (SAN IP 127.0.0.1), a client certificate from that CA and one from another CA.
 * curl (a client we did not write) pushes over TLS; with a client CA configured, only the CA's clients get in.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { udpPushTransport } from '../../src/push/delivery.ts';
import { listenPapTls, PapTlsError, type PapTlsListener } from '../../src/push/pap-tls.ts';
import { createPpg, type Ppg } from '../../src/push/ppg.ts';
import { SHARED_DIR, TOOL_PATHS, sharedAvailable, tempDir, toolAvailable } from '../support/tools.ts';

const ready = toolAvailable('openssl') && toolAvailable('curl');

function run(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { encoding: 'utf8' }, (err, stdout, stderr) => resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
  );
}
const BOUNDARY = 'pap-tls-boundary';

function pap(pushId: string, port: number): string {
  const control = `<?xml version="1.0"?>
<!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP//EN" "http://www.wapforum.org/DTD/pap_1.0.dtd">
<pap><push-message push-id="${pushId}"><address address-value="WAPPUSH=127.0.0.1/TYPE=IPv4@ppg.test"/>
<quality-of-service delivery-method="unconfirmed"/></push-message></pap>`;
  const si = `<?xml version="1.0"?>
<!DOCTYPE si PUBLIC "-//WAPFORUM//DTD SI 1.0//EN" "http://www.wapforum.org/DTD/si.dtd">
<si><indication href="http://mmsc.example/x" si-id="${port}">You have mail</indication></si>`;
  return [`--${BOUNDARY}`, 'Content-Type: application/xml', '', control, `--${BOUNDARY}`, 'Content-Type: text/vnd.wap.si', '', si, `--${BOUNDARY}--`, ''].join('\r\n');
}

function openssl(dir: string, ...args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

function makeCerts(dir: string): void {
  const ca = (name: string) => {
    openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`);
  };
  const leaf = (name: string, caName: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.pem`);
  };
  ca('ca');
  ca('other-ca');
  leaf('server', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  leaf('client', 'ca', 'extendedKeyUsage=clientAuth\n');
  leaf('stranger', 'other-ca', 'extendedKeyUsage=clientAuth\n');
}

describe.skipIf(!ready)('PAP over TLS (push.tls)', () => {
  const dir = tempDir('wapgate-pap-tls-');
  let ppg: Ppg;
  let handset: Socket;
  let handsetPort = 0;
  let transport: Awaited<ReturnType<typeof udpPushTransport>>;
  const received: Buffer[] = [];
  const listeners: PapTlsListener[] = [];

  beforeAll(async () => {
    makeCerts(dir);
    handset = createSocket('udp4');
    handset.on('message', (m) => received.push(m));
    await new Promise<void>((r) => handset.bind(0, '127.0.0.1', r));
    handsetPort = (handset.address() as AddressInfo).port;
    transport = await udpPushTransport('127.0.0.1');
    ppg = createPpg({ pushPort: handsetPort }, { transport });
  }, 60_000);
  afterAll(async () => {
    for (const l of listeners) await l.close();
    await ppg?.close();
    transport?.close();
    handset?.close();
  });

  // Asynchronous: the PPG answers from this same process.
  const curl = async (port: number, pushId: string, extra: string[] = []) => {
    writeFileSync(join(dir, `${pushId}.body`), pap(pushId, handsetPort));
    const r = await run(
      'curl',
      ['-sS', '--max-time', '10', '--cacert', join(dir, 'ca.pem'), '-o', '-', '-w', '\n%{http_code}', '-H', `Content-Type: multipart/related; boundary=${BOUNDARY}; type="application/xml"`, '--data-binary', `@${join(dir, `${pushId}.body`)}`, ...extra, `https://127.0.0.1:${port}/wappush`],
    );
    const lines = r.stdout.trim().split('\n');
    return { code: Number(lines.pop()), body: lines.join('\n'), err: r.stderr };
  };

  it('server certificate only: curl pushes over TLS (202, PAP 1001) and the handset gets the WSP Push', async () => {
    const l = await listenPapTls(ppg.handler, { cert: join(dir, 'server.pem'), key: join(dir, 'server.key') }, 0, '127.0.0.1');
    listeners.push(l);
    const r = await curl(l.address.port, 'tls-1@wapgate.test');
    expect(r.code).toBe(202);
    expect(r.body).toMatch(/code="1001"/);
    const end = Date.now() + 5000;
    while (received.length === 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
    expect(received).toHaveLength(1);
    expect(received[0]![1]).toBe(0x06); // WSP Push PDU type after the TID
    // plain HTTP on the TLS port gets no answer, the listener stays up
    const plain = await run('curl', ['-sS', '--max-time', '5', `http://127.0.0.1:${l.address.port}/wappush`]);
    expect(plain.status).not.toBe(0);
    expect((await curl(l.address.port, 'tls-2@wapgate.test')).code).toBe(202);
  });

  it.skipIf(!toolAvailable('test_ppg') || !sharedAvailable())("Kannel's test_ppg pushes an SI over https (202, PAP 1001) and the handset gets it", async () => {
    const l = await listenPapTls(ppg.handler, { cert: join(dir, 'server.pem'), key: join(dir, 'server.key') }, 0, '127.0.0.1');
    listeners.push(l);
    const before = received.length;
    const kannel = join(SHARED_DIR, 'peers', 'kannel', 'ppg');
    const control = readFileSync(join(kannel, 'ip-push.pap.xml'), 'utf8').replace('peer-harness-1@127.0.0.1', 'test-ppg-tls@wapgate.test');
    writeFileSync(join(dir, 'tls.pap.xml'), control);
    const r = await run(TOOL_PATHS.test_ppg!, ['-c', 'si', `https://127.0.0.1:${l.address.port}/wappush`, join(kannel, 'si.xml'), join(dir, 'tls.pap.xml')]);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/HTTP\/1\.1 202 Accepted/);
    expect(out).toMatch(/31 30 30 31/); // code="1001" in test_ppg's dump of the answer
    const end = Date.now() + 5000;
    while (received.length === before && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
    expect(received.length).toBe(before + 1);
  }, 60_000);

  it('mutual TLS: a client certificate from the client CA gets in; none or a foreign one is refused at the handshake', async () => {
    const l = await listenPapTls(ppg.handler, { cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), clientCa: join(dir, 'ca.pem') }, 0, '127.0.0.1');
    listeners.push(l);
    const ok = await curl(l.address.port, 'mtls-1@wapgate.test', ['--cert', join(dir, 'client.pem'), '--key', join(dir, 'client.key')]);
    expect(ok.code).toBe(202);
    expect((await curl(l.address.port, 'mtls-2@wapgate.test')).code).toBe(0);
    expect((await curl(l.address.port, 'mtls-3@wapgate.test', ['--cert', join(dir, 'stranger.pem'), '--key', join(dir, 'stranger.key')])).code).toBe(0);
    // node's own client, with the right certificate, for good measure
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: l.address.port, path: '/wappush', method: 'POST', ca: readFileSync(join(dir, 'ca.pem')), cert: readFileSync(join(dir, 'client.pem')), key: readFileSync(join(dir, 'client.key')), headers: { 'content-type': `multipart/related; boundary=${BOUNDARY}; type="application/xml"` } },
        (res) => (res.resume(), resolve(res.statusCode!)),
      );
      req.on('error', reject);
      req.end(pap('mtls-4@wapgate.test', handsetPort));
    });
    expect(status).toBe(202);
  });

  it('unreadable files are a clear error; push.tls.port needs cert and key', async () => {
    await expect(listenPapTls(ppg.handler, { cert: join(dir, 'missing.pem'), key: join(dir, 'server.key') }, 0, '127.0.0.1')).rejects.toThrow(PapTlsError);
    await expect(listenPapTls(ppg.handler, { cert: join(dir, 'server.key'), key: join(dir, 'server.pem') }, 0, '127.0.0.1')).rejects.toThrow(/not usable/);
    expect(() => loadConfig({ env: {}, argv: ['--push-tls-port', '8443'] })).toThrow(ConfigError);
    const c = loadConfig({ env: {}, argv: ['--push-tls-port', '8443', '--push-tls-cert', 'c.pem', '--push-tls-key', 'k.pem', '--push-tls-client-ca', 'ca.pem'] });
    expect(c.push.tls).toEqual({ port: 8443, cert: 'c.pem', key: 'k.pem', clientCa: 'ca.pem' });
  });
});
