/**
 * Issue 18's opening measurement, on the real `wapgate serve`: pushes answered 1001 and due later, the process
 * killed with SIGKILL (an OOM kill, a power cut), started again on the same state directory — every push is
 * delivered (before issue 18: none was, the queue was written only on a clean shutdown).
 */
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeConnectionless } from '../../src/wsp/pdu.ts';
import { startServe } from '../ops/serve-process.ts';
import { tempDir } from '../support/tools.ts';

const DOCTYPE = '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">';

describe('serve: SIGKILL with pushes queued, restart on the same state directory', () => {
  it('every push answered 1001 is delivered after the restart', async () => {
    const state = tempDir('wapgate-serve-kill-');
    const env = { WAPGATE_MMSC_STORE_DIR: join(state, 'mmsc') };
    const handset = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    await new Promise<void>((r) => handset.bind(0, '127.0.0.1', () => r()));
    const got = new Set<string>();
    handset.on('message', (m) => got.add((decodeConnectionless(m).pdu as { data: Buffer }).data.toString('latin1').trim()));
    const pushPort = handset.address().port;
    const first = await startServe({ env, pushPort });
    const ids = Array.from({ length: 50 }, (_, i) => `kill-${i}`);
    try {
      const due = new Date(Date.now() + 8000).toISOString().replace(/\.\d+Z$/, 'Z');
      for (const id of ids) {
        const b = 'k';
        const control = `${DOCTYPE}<pap><push-message push-id="${id}" deliver-after-timestamp="${due}"><address address-value="WAPPUSH=127.0.0.1/TYPE=IPv4@ppg"/><quality-of-service delivery-method="unconfirmed"/></push-message></pap>`;
        const body = `--${b}\r\nContent-Type: application/xml\r\n\r\n${control}\r\n--${b}\r\nContent-Type: text/plain\r\n\r\n${id}\r\n--${b}--\r\n`;
        const res = await fetch(first.pap, { method: 'POST', body, headers: { 'content-type': `multipart/related; boundary=${b}; type="application/xml"` } });
        expect(res.status).toBe(202);
        expect(await res.text()).toContain('code="1001"');
      }
      expect(got.size).toBe(0);
    } finally {
      first.signal('SIGKILL');
      await first.exited;
    }
    const second = await startServe({ env, pushPort });
    try {
      const recovered = await second.waitLog((l) => l.msg === 'push queue recovered' || l.msg === 'push queue recovered; pushes in flight at the last stop are sent again');
      expect(recovered.pending).toBe(ids.length);
      const deadline = Date.now() + 30_000;
      while (got.size < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect([...got].sort()).toEqual([...ids].sort());
    } finally {
      await second.stop();
      handset.close();
    }
  }, 240_000);
});
