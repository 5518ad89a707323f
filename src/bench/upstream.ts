/**
 * The benchmark's upstream: the same routes and bodies as ../shared/peers/kannel/upstream.js (a 200-byte
 * m-send-conf at /mms, a 6000-byte body at /big, WML at /hello.wml), so wapgate, Kannel and plain HTTP are
 * measured against identical answers. Runs in its own process (`node --import tsx src/bench/upstream.ts PORT`)
 * so it never shares an event loop with what it measures.
 */
import http from 'node:http';

function mSendConf(): Buffer {
  const tid = 'T0000001';
  const mid = 'M'.repeat(200 - 10 - tid.length);
  const pdu = Buffer.concat([
    Buffer.from([0x8c, 0x81]), // X-Mms-Message-Type: m-send-conf
    Buffer.from([0x98]),
    Buffer.from(tid + '\0', 'latin1'), // X-Mms-Transaction-Id
    Buffer.from([0x8d, 0x90]), // X-Mms-MMS-Version: 1.0
    Buffer.from([0x92, 0x80]), // X-Mms-Response-Status: Ok
    Buffer.from([0x8b]),
    Buffer.from(mid + '\0', 'latin1'), // Message-ID
  ]);
  if (pdu.length !== 200) throw new Error(`m-send-conf is ${pdu.length} bytes`);
  return pdu;
}

export const BODIES = {
  mms: mSendConf(),
  big: Buffer.from(Array.from({ length: 6000 }, (_, i) => (i * 13 + 1) & 0xff)),
  wml: Buffer.from(
    '<?xml version="1.0"?>\n<!DOCTYPE wml PUBLIC "-//WAPFORUM//DTD WML 1.1//EN" "http://www.wapforum.org/DTD/wml_1.1.xml">\n' +
      '<wml><card id="m" title="t"><p>Hello, world.</p></card></wml>\n',
  ),
};

export function createUpstream(): http.Server {
  const server = http.createServer((req, res) => {
    let bodyLen = 0;
    req.on('data', (c: Buffer) => (bodyLen += c.length));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0];
      let body = BODIES.mms;
      let type = 'application/vnd.wap.mms-message';
      if (path === '/hello.wml') [body, type] = [BODIES.wml, 'text/vnd.wap.wml'];
      else if (path === '/big') [body, type] = [BODIES.big, 'application/octet-stream'];
      else if (path === '/status') [body, type] = [Buffer.from('ok\n'), 'text/plain'];
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'X-Body-Length': String(bodyLen) });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 30_000;
  return server;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const port = Number(process.argv[2] ?? 8040);
  const host = process.argv[3] ?? '127.0.0.1';
  if (!/^127\./.test(host) && host !== '::1') throw new Error('the bench upstream binds loopback only');
  const server = createUpstream();
  server.listen(port, host, () => process.stdout.write(`upstream ready http://${host}:${port}/\n`));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
