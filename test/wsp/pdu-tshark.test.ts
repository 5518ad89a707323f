/**
 * Wireshark as the oracle: every WSP PDU type, every capability and a multipart body, encoded by wapgate,
 * written to a pcap on the WAP ports (connectionless on UDP 9200; connection-oriented inside a WTP
 * Invoke/Result on UDP 9201), dissected by tshark: no Malformed / expert warnings, and the fields tshark
 * reports equal what was encoded.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { udpPcap, type UdpDatagram } from '../../src/trace/pcap.ts';
import type { Capabilities } from '../../src/wsp/capabilities.ts';
import { encodeMultipart, type MultipartEntry } from '../../src/wsp/multipart.ts';
import { encodeConnectionless, encodeWspPdu, PDU_TYPE, type WspPdu } from '../../src/wsp/pdu.ts';
import { encodeWtpPdu } from '../../src/wtp/pdu.ts';
import { fieldValues, tempDir, toolAvailable, tshark, type TsharkPacket } from '../support/tools.ts';

/**
 * tshark -T json with --no-duplicate-keys: a field repeated in one subtree (two Extended Methods, two
 * addresses) comes out as an array instead of the last value winning when the JSON is parsed.
 */
function tsharkPackets(pcap: Buffer): TsharkPacket[] {
  const file = join(tempDir('wapgate-wsp-'), 'in.pcap');
  writeFileSync(file, pcap);
  const out = execFileSync('tshark', ['-r', file, '-n', '-T', 'json', '--no-duplicate-keys'], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out.toString('utf8')) as TsharkPacket[];
}

/** Runs tshark: no problems allowed, packets returned with duplicate keys kept. */
function dissect(pcap: Buffer): TsharkPacket[] {
  const res = tshark(pcap);
  const bad = res.text.split('\nFrame ').filter((f) => /Malformed|Expert Info \((Warning|Error)/.test(f));
  expect(res.problems, res.problems.join('\n') + '\n' + bad.join('\nFrame ')).toEqual([]);
  return tsharkPackets(pcap);
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const h = (name: string, value: string) => ({ name, value });
const ct = (type: string, params: { name: string; value: string }[] = []) => ({ type, params });

const fullCaps: Capabilities = {
  clientSduSize: 3000,
  serverSduSize: 65535,
  protocolOptions: { confirmedPush: true, push: true, sessionResume: true, ackHeaders: false, largeDataTransfer: true },
  methodMor: 2,
  pushMor: 3,
  extendedMethods: [
    { pduType: 0x50, name: 'PROPFIND' },
    { pduType: 0x70, name: 'MKCOL' },
  ],
  headerCodePages: [{ code: 2, name: 'x-up-1' }],
  aliases: [{ bearerType: 0, port: 9201, address: hex('7f000001') }],
  clientMessageSize: 30000,
  serverMessageSize: 1048576,
};

const parts: MultipartEntry[] = [
  { contentType: ct('text/plain', [{ name: 'charset', value: 'utf-8' }]), headers: [h('Content-Location', 'a.txt')], data: Buffer.from('hello') },
  { contentType: ct('image/gif'), headers: [], data: hex('47494638396101000100') },
];

interface Case {
  pdu: WspPdu;
  /** tshark field → the values it must show (in order). */
  fields: Record<string, string[]>;
  /** A server-to-client PDU (sent from the WAP port, in a WTP Result when connection-oriented). */
  fromServer?: boolean;
}

const cases: Case[] = [
  {
    pdu: { type: 'Connect', version: { major: 1, minor: 2 }, capabilities: fullCaps, headers: [h('User-Agent', 'wapgate-test'), h('Accept', 'application/vnd.wap.mms-message')] },
    fields: {
      'wsp.version.major': ['1'],
      'wsp.version.minor': ['2'],
      'wsp.capability.client_sdu_size': ['3000'],
      'wsp.capability.server_sdu_size': ['65535'],
      'wsp.capability.protocol_opt': ['0xe8'],
      'wsp.capability.protocol_option.confirmed_push': ['1'],
      'wsp.capability.protocol_option.push': ['1'],
      'wsp.capability.protocol_option.session_resume': ['1'],
      'wsp.capability.protocol_option.ack_headers': ['0'],
      'wsp.capability.protocol_option.large_data_transfer': ['1'],
      'wsp.capability.method_mor': ['2'],
      'wsp.capability.push_mor': ['3'],
      'wsp.capability.extended_method': ['0x50', '0x70'],
      'wsp.capability.code_page': ['0x02'],
      'wsp.capability.client_message_size': ['30000'],
      'wsp.capability.server_message_size': ['1048576'],
      'wsp.header.user_agent': ['wapgate-test'],
      'wsp.header.accept': ['application/vnd.wap.mms-message'],
    },
  },
  {
    pdu: {
      type: 'ConnectReply',
      sessionId: 4660,
      capabilities: { clientSduSize: 1400, serverSduSize: 1400, methodMor: 1, pushMor: 1, extendedMethods: [{ pduType: 0x50 }], headerCodePages: [{ code: 2 }], aliases: fullCaps.aliases! },
      headers: [h('Server', 'wapgate')],
    },
    fromServer: true,
    fields: {
      'wsp.server.session_id': ['4660'],
      'wsp.capability.client_sdu_size': ['1400'],
      'wsp.capability.server_sdu_size': ['1400'],
      'wsp.capability.method_mor': ['1'],
      'wsp.capability.push_mor': ['1'],
      'wsp.capability.extended_method': ['0x50'],
      'wsp.capability.code_page': ['0x02'],
      'wsp.capability.aliases': ['09:87:c4:00:23:f1:7f:00:00:01'],
      'wsp.header.server': ['wapgate'],
    },
  },
  {
    pdu: {
      type: 'Redirect',
      permanent: true,
      reuseSecuritySession: false,
      addresses: [
        { bearerType: 0, port: 9201, address: hex('c0a80001') },
        { bearerType: 1, address: hex('20010db8000000000000000000000001') },
      ],
    },
    fromServer: true,
    fields: {
      'wsp.redirect.flags.permanent': ['1'],
      'wsp.redirect.flags.reuse_security_session': ['0'],
      'wsp.address.bearer_type': ['0x00', '0x01'],
      'wsp.address.port': ['9201'],
      'wsp.address.ipv4': ['192.168.0.1'],
      'wsp.address.ipv6': ['2001:db8::1'],
    },
  },
  {
    pdu: { type: 'Reply', status: 0x20, contentType: ct('text/plain'), headers: [h('Content-Length', '5')], data: Buffer.from('hello') },
    fromServer: true,
    fields: { 'wsp.reply.status': ['0x20'], 'wsp.header.content_type': ['text/plain'], 'wsp.header.content_length': ['5'] },
  },
  {
    pdu: { type: 'Reply', status: 0x44, contentType: ct('text/html', [{ name: 'charset', value: 'utf-8' }]), headers: [], data: Buffer.from('<p>no</p>') },
    fromServer: true,
    fields: { 'wsp.reply.status': ['0x44'], 'wsp.header.content_type': ['text/html'], 'wsp.parameter.charset': ['UTF-8'] },
  },
  {
    // Wireshark 4.0 dissects WSP multipart inside an MMS body (mmse), so the multipart rides in a hand-made
    // m-retrieve-conf: Message-Type 0x84, Transaction-ID "T1", MMS-Version 1.0, Content-Type multipart.mixed.
    pdu: {
      type: 'Push',
      contentType: ct('application/vnd.wap.mms-message'),
      headers: [],
      data: Buffer.concat([hex('8c84 98543100 8d90 84a3'), encodeMultipart(parts)]),
    },
    fromServer: true,
    fields: {
      'mmse.message_type': ['0x84'],
      'wsp.multipart': ['1', '2'],
      'wsp.header.content_type': ['application/vnd.wap.mms-message', 'application/vnd.wap.multipart.mixed', 'text/plain', 'image/gif'],
      'wsp.parameter.charset': ['UTF-8'],
      'wsp.header.content_location': ['a.txt'],
    },
  },
  { pdu: { type: 'Disconnect', sessionId: 4660 }, fields: { 'wsp.server.session_id': ['4660'] } },
  {
    pdu: { type: 'Push', contentType: ct('application/vnd.wap.sic'), headers: [h('X-Wap-Application-Id', 'x-wap-application:wml.ua')], data: hex('02056a0045c60c036100010374000101') },
    fromServer: true,
    fields: { 'wsp.header.content_type': ['application/vnd.wap.sic'], 'wsp.header.x_wap_application_id': ['x-wap-application:wml.ua'] },
  },
  {
    pdu: { type: 'ConfirmedPush', contentType: ct('text/plain'), headers: [h('Push-Flag', '1')], data: Buffer.from('push') },
    fromServer: true,
    fields: { 'wsp.header.content_type': ['text/plain'], 'wsp.header.push_flag': [' (Initiator URI authenticated)'] },
  },
  { pdu: { type: 'Suspend', sessionId: 4660 }, fields: { 'wsp.server.session_id': ['4660'] } },
  {
    pdu: { type: 'Resume', sessionId: 4660, capabilities: { clientSduSize: 2000 }, headers: [h('User-Agent', 'wapgate-test')] },
    fields: { 'wsp.server.session_id': ['4660'], 'wsp.capability.client_sdu_size': ['2000'], 'wsp.header.user_agent': ['wapgate-test'] },
  },
  ...(['GET', 'OPTIONS', 'HEAD', 'DELETE', 'TRACE'] as const).map(
    (method): Case => ({
      pdu: { type: 'Get', method, uri: `http://mmsc.example/${method.toLowerCase()}`, headers: [h('Accept', '*/*')] },
      fields: { 'wsp.uri': [`http://mmsc.example/${method.toLowerCase()}`], 'wsp.header.accept': ['*/*'] },
    }),
  ),
  {
    pdu: { type: 'Get', pduType: 0x50, uri: '/ext-get', headers: [] },
    fields: { 'wsp.uri': ['/ext-get'] },
  },
  {
    pdu: { type: 'Post', method: 'POST', uri: 'http://mmsc.example/mms', contentType: ct('application/vnd.wap.mms-message'), headers: [h('Content-Length', '2')], data: hex('8c80') },
    fields: { 'wsp.uri': ['http://mmsc.example/mms'], 'wsp.header.content_type': ['application/vnd.wap.mms-message'], 'wsp.header.content_length': ['2'] },
  },
  {
    pdu: { type: 'Post', method: 'PUT', uri: '/put', contentType: ct('text/plain'), headers: [], data: Buffer.from('x') },
    fields: { 'wsp.uri': ['/put'], 'wsp.header.content_type': ['text/plain'] },
  },
  {
    pdu: { type: 'Post', pduType: 0x70, uri: '/ext-post', contentType: ct('application/vnd.wap.multipart.related', [{ name: 'type', value: 'text/plain' }]), headers: [], data: encodeMultipart(parts) },
    fields: { 'wsp.uri': ['/ext-post'], 'wsp.header.content_type': ['application/vnd.wap.multipart.related'] },
  },
  { pdu: { type: 'DataFragment', headers: [], data: Buffer.from('more data') }, fields: {} },
];

function pduTypeOf(p: WspPdu): number {
  return encodeWspPdu(p)[0]!;
}

function checkPacket(pkt: TsharkPacket, c: Case, tid?: number): void {
  const layers = pkt._source.layers;
  expect(fieldValues(layers['wsp'] as Record<string, unknown>, 'wsp.pdu_type')).toEqual([`0x${pduTypeOf(c.pdu).toString(16).padStart(2, '0')}`]);
  if (tid !== undefined) expect(fieldValues(layers['wsp'] as Record<string, unknown>, 'wsp.TID')).toEqual([`0x${tid.toString(16).padStart(2, '0')}`]);
  for (const [field, values] of Object.entries(c.fields)) {
    expect(fieldValues(pkt, field), `${c.pdu.type} ${field}`).toEqual(values);
  }
}

const client = { src: '10.0.0.1', srcPort: 49152 };
const server = { src: '10.0.0.2', srcPort: 9200 };

describe.skipIf(!toolAvailable('tshark'))('tshark dissects what wapgate encodes (WSP)', () => {
  it('every PDU type, connectionless on UDP 9200', () => {
    const dgrams: UdpDatagram[] = cases.map((c, i) => {
      const payload = encodeConnectionless(i + 1, c.pdu);
      return c.fromServer
        ? { src: server.src, srcPort: 9200, dst: client.src, dstPort: client.srcPort, payload }
        : { src: client.src, srcPort: client.srcPort, dst: server.src, dstPort: 9200, payload };
    });
    const packets = dissect(udpPcap(dgrams));
    expect(packets).toHaveLength(cases.length);
    packets.forEach((p, i) => checkPacket(p, cases[i]!, i + 1));
  });

  it('every PDU type, connection-oriented inside WTP Invoke/Result on UDP 9201', () => {
    const dgrams: UdpDatagram[] = cases.map((c, i) => {
      const data = encodeWspPdu(c.pdu);
      const tid = i + 1;
      if (c.fromServer) {
        const wtp = encodeWtpPdu({ type: 'Result', tid, tidResponse: true, rid: false, gtr: false, ttr: true, tpis: [], data });
        return { src: server.src, srcPort: 9201, dst: client.src, dstPort: client.srcPort, payload: wtp };
      }
      const wtp = encodeWtpPdu({
        type: 'Invoke', tid, tidResponse: false, rid: false, gtr: false, ttr: true, version: 0, tidNew: false, uack: false,
        class: 2, tpis: [], data,
      });
      return { src: client.src, srcPort: client.srcPort, dst: server.src, dstPort: 9201, payload: wtp };
    });
    const packets = dissect(udpPcap(dgrams));
    expect(packets).toHaveLength(cases.length);
    packets.forEach((p, i) => checkPacket(p, cases[i]!));
  });

  it('covers every PDU type of WAP-230 Table 34', () => {
    const seen = new Set(cases.map((c) => pduTypeOf(c.pdu)));
    for (const t of Object.values(PDU_TYPE)) expect(seen.has(t), `0x${t.toString(16)}`).toBe(true);
  });
});
