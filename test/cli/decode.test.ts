import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeBytes, guessKind, run, toJson } from '../../src/cli/decode.ts';
import { exportedPduPcap, udpPcap } from '../../src/trace/pcap.ts';
import { encodeConnectionless, encodeWspPdu } from '../../src/wsp/pdu.ts';
import { encodeWtpPdu } from '../../src/wtp/pdu.ts';
import { SHARED_DIR, sharedAvailable, tempDir } from '../support/tools.ts';
import { SOURCE_CLI } from '../support/cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Runs `run(args)` in-process; returns the exit status and what was written. */
async function cli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const status = await run(args);
  vi.restoreAllMocks();
  return { status, out, err };
}

afterEach(() => vi.restoreAllMocks());

const get = encodeConnectionless(7, { type: 'Get', method: 'GET', uri: 'http://a.b/', headers: [{ name: 'Accept', value: '*/*' }] });

describe('wapgate decode', () => {
  it('the CLI as a process prints help and decodes hex (src/cli/main.ts)', () => {
    const help = spawnSync(process.execPath, [...SOURCE_CLI, 'decode', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: wapgate decode');
    const out = execFileSync(process.execPath, [...SOURCE_CLI, 'decode', '--compact', '--as', 'wsp-cl', '--hex', get.toString('hex')], { encoding: 'utf8' });
    const doc = JSON.parse(out.trim());
    expect(doc).toMatchObject({ ok: true, result: { as: 'wsp-cl', wsp: { tid: 7, summary: 'WSP GET http://a.b/', pdu: { type: 'Get', uri: 'http://a.b/' } } } });
  });

  it('usage errors exit 2', async () => {
    expect((await cli([])).status).toBe(2);
    expect((await cli(['--as', 'xml', 'f'])).status).toBe(2);
    expect((await cli(['--bogus'])).status).toBe(2);
    expect((await cli(['--hex', 'abc'])).status).toBe(2);
  });

  it('--hex: auto tries the decoders; a bad PDU exits 1 with the typed error and offset', async () => {
    const ok = await cli(['--compact', '--hex', get.toString('hex')]);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ ok: true, result: { as: 'wsp-cl' } });
    const bad = await cli(['--compact', '--as', 'wsp-co', '--hex', '40 10 2f']);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({ ok: false, error: { name: 'WapDecodeError', code: 'WAP_ERR_TRUNCATED', offset: 2 } });
  });

  it('octets are printed as hex strings', async () => {
    const reply = encodeWspPdu({ type: 'Reply', status: 0x20, contentType: { type: 'text/plain', params: [] }, headers: [], data: Buffer.from('hi') });
    const { out } = await cli(['--compact', '--as', 'wsp-co', '--hex', reply.toString('hex')]);
    expect(JSON.parse(out).result.wsp.pdu.data).toBe('6869');
    expect(toJson({ b: Buffer.from([1, 2]), u: new Uint8Array([255]) }, false)).toBe('{"b":"0102","u":"ff"}');
  });

  it('a pcap: one document per packet; 9200 → wsp-cl, 9201 → wtp with the WSP inside, other ports skipped', async () => {
    const invoke = encodeWtpPdu({
      type: 'Invoke', tid: 3, tidResponse: false, rid: false, gtr: false, ttr: true, version: 0, tidNew: false, uack: false, class: 2,
      tpis: [], data: encodeWspPdu({ type: 'Disconnect', sessionId: 9 }),
    });
    const pcap = udpPcap([
      { src: '10.0.0.1', srcPort: 40000, dst: '10.0.0.2', dstPort: 9200, payload: get },
      { src: '10.0.0.1', srcPort: 40000, dst: '10.0.0.2', dstPort: 9201, payload: invoke },
      { src: '10.0.0.1', srcPort: 40000, dst: '10.0.0.2', dstPort: 53, payload: hex('00') },
    ]);
    const file = join(tempDir('wapgate-decode-'), 'x.pcap');
    writeFileSync(file, pcap);
    const { status, out } = await cli(['--compact', '--roundtrip', file]);
    expect(status).toBe(0);
    const docs = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(docs).toHaveLength(3);
    expect(docs[0]).toMatchObject({ frame: 1, src: '10.0.0.1:40000', dst: '10.0.0.2:9200', result: { as: 'wsp-cl', identicalBytes: true } });
    expect(docs[1]).toMatchObject({ frame: 2, result: { as: 'wtp', wtp: [{ pdu: { type: 'Invoke', tid: 3 }, wsp: { pdu: { type: 'Disconnect', sessionId: 9 } } }] } });
    expect(docs[2]).toMatchObject({ frame: 3, ok: true, skipped: 'not a WAP port' });
  });

  it('exported-PDU pcaps are decoded by the dissector they name', async () => {
    const file = join(tempDir('wapgate-decode-'), 'x.pcap');
    writeFileSync(file, exportedPduPcap([encodeWspPdu({ type: 'Suspend', sessionId: 4 })], 'wsp-co'));
    const { status, out } = await cli(['--compact', file]);
    expect(status).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ result: { as: 'wsp-co', wsp: { pdu: { type: 'Suspend', sessionId: 4 } } } });
  });

  it('exit 1 when any input fails, and every input still gets its document', async () => {
    const dir = tempDir('wapgate-decode-');
    writeFileSync(join(dir, 'good.wsp'), get);
    writeFileSync(join(dir, 'bad.wsp'), hex('01 0b'));
    const { status, out } = await cli(['--compact', join(dir, 'good.wsp'), join(dir, 'bad.wsp'), join(dir, 'missing.wsp')]);
    expect(status).toBe(1);
    const docs = out.trim().split('\n').map((l) => JSON.parse(l));
    expect(docs.map((d) => d.ok)).toEqual([true, false, false]);
    expect(docs[1].error.code).toBe('WAP_ERR_UNKNOWN_TYPE');
    expect(docs[2].error.code).toBe('ENOENT');
  });

  it.skipIf(!sharedAvailable())('a real WAP push with --roundtrip decodes the MMS notification inside', async () => {
    const { status, out } = await cli(['--compact', '--roundtrip', join(SHARED_DIR, 'captures', 'wap-push', 'nuntium_KPN-NL-ContentLength.wsp')]);
    expect(status).toBe(0);
    const doc = JSON.parse(out);
    expect(doc.result.identicalBytes).toBe(true);
    expect(doc.result.wsp.mms.messageType).toBe('m-notification-ind');
  });

  it('picks the decoder by extension and content', () => {
    expect(guessKind('a.mms', hex('00'))).toBe('mms');
    expect(guessKind('a.wsp', hex('00'))).toBe('wsp-cl');
    expect(guessKind('a.wtp', hex('00'))).toBe('wtp');
    expect(guessKind('a.bin', hex('8c80'))).toBe('mms');
    expect(guessKind('a.bin', hex('0140'))).toBeUndefined();
  });

  it('decodeBytes decodes a multipart body inside a WSP PDU', () => {
    const body = hex('01 01 02 83 6869');
    const reply = encodeWspPdu({ type: 'Reply', status: 0x20, contentType: { type: 'application/vnd.wap.multipart.mixed', params: [] }, headers: [], data: body });
    const r = decodeBytes(reply, 'wsp-co', { roundtrip: true });
    expect(r.wsp!.multipart).toEqual([{ contentType: { type: 'text/plain', params: [] }, headers: [], data: hex('6869') }]);
  });
});
