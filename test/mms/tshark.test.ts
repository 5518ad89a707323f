/**
 * Wireshark's MMSE dissector (tshark 4.0) as the oracle: every MMS message type we encode is dissected with no
 * Malformed/expert error, and the fields tshark shows equal the values we meant (derived from the PDU objects,
 * not from our bytes). Wireshark 4.0 knows message types 0x80..0x93; the MMS 1.3 types 0x94..0x97
 * (m-delete-*, m-cancel-*) are not dissected as MMSE by it and are checked by vectors in codec.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { encodeMms, FIELD_BY_KEY, type MmsPdu, MESSAGE_TYPE_CODES, mmsText } from '../../src/mms/index.ts';
import { exportedPduPcap } from '../../src/trace/pcap.ts';
import { tshark, toolAvailable } from '../support/tools.ts';
import { SAMPLES } from './samples.ts';
import { fieldValues, hex, tsharkDate, tsharkPackets } from './support.ts';

const TSHARK_KNOWS = (code: number) => code >= 0x80 && code <= 0x93;

const TEXT_FIELDS: Record<string, string> = {
  transactionId: 'mmse.transaction_id',
  mmsVersion: 'mmse.mms_version',
  messageId: 'mmse.message_id',
  contentLocation: 'mmse.content_location',
  replyChargingId: 'mmse.reply_charging_id',
};
const ESV_FIELDS: Record<string, string> = {
  subject: 'mmse.subject',
  responseText: 'mmse.response_text',
  retrieveText: 'mmse.retrieve_text',
  to: 'mmse.to',
  cc: 'mmse.cc',
  bcc: 'mmse.bcc',
};
const TOKEN_FIELDS: Record<string, string> = {
  priority: 'mmse.priority',
  status: 'mmse.status',
  responseStatus: 'mmse.response_status',
  retrieveStatus: 'mmse.retrieve_status',
  readStatus: 'mmse.read_status',
  senderVisibility: 'mmse.sender_visibility',
  replyCharging: 'mmse.reply_charging',
};
const YESNO_FIELDS: Record<string, string> = {
  deliveryReport: 'mmse.delivery_report',
  readReport: 'mmse.read_report',
  reportAllowed: 'mmse.report_allowed',
};

function tokenCode(key: string, name: unknown): number {
  if (typeof name === 'number') return name;
  const values = FIELD_BY_KEY.get(key)!.values!;
  return Number(Object.entries(values).find(([, v]) => v === name)![0]);
}

/** What tshark should show for this PDU, field by field. */
function expected(pdu: MmsPdu): Record<string, string[]> {
  const h = pdu.headers as Record<string, unknown>;
  const out: Record<string, string[]> = { 'mmse.message_type': [hex(MESSAGE_TYPE_CODES.get(pdu.messageType as string)!)] };
  for (const [k, f] of Object.entries(TEXT_FIELDS)) if (h[k] !== undefined) out[f] = [String(h[k])];
  for (const [k, f] of Object.entries(ESV_FIELDS)) {
    const v = h[k];
    if (v !== undefined) out[f] = (Array.isArray(v) ? v : [v]).map((e) => mmsText(e));
  }
  for (const [k, f] of Object.entries(TOKEN_FIELDS)) if (h[k] !== undefined) out[f] = [hex(tokenCode(k, h[k]))];
  for (const [k, f] of Object.entries(YESNO_FIELDS)) if (h[k] !== undefined) out[f] = [h[k] ? '0x80' : '0x81'];
  const hd = pdu.headers;
  if (hd.from) out['mmse.from'] = ['insertAddress' in hd.from ? '<insert address>' : mmsText(hd.from.address)];
  if (hd.date) out['mmse.date'] = [tsharkDate(hd.date)];
  if (hd.messageSize !== undefined) out['mmse.message_size'] = [String(hd.messageSize)];
  if (hd.messageClass) out['mmse.message_class.id'] = [hex(0x80 + ['Personal', 'Advertisement', 'Informational', 'Auto'].indexOf(hd.messageClass))];
  for (const [k, f] of [
    ['expiry', 'mmse.expiry'],
    ['deliveryTime', 'mmse.delivery_time'],
  ] as const) {
    const t = hd[k];
    if (t) out[`${f}.${'absolute' in t ? 'abs' : 'rel'}`] = ['absolute' in t ? tsharkDate(t.absolute) : `${t.relative}.000000000`];
  }
  if (pdu.contentType) {
    out['wsp.header.content_type'] = [pdu.contentType.type, ...(pdu.parts ?? []).map((p) => p.contentType.type)];
    const locations = (pdu.parts ?? []).flatMap((p) => p.headers.filter((x) => x.name === 'Content-Location').map((x) => x.value));
    if (locations.length) out['wsp.header.content_location'] = locations;
  }
  return out;
}

describe.skipIf(!toolAvailable('tshark'))('MMS encoder checked by tshark (Wireshark MMSE dissector)', () => {
  const known = SAMPLES.filter((p) => TSHARK_KNOWS(MESSAGE_TYPE_CODES.get(p.messageType as string)!));
  const pcap = exportedPduPcap(
    known.map((p) => encodeMms(p)),
    'mmse_wsp',
    true,
  );
  const { problems, text } = tshark(pcap);
  const packets = tsharkPackets(pcap);

  it('dissects every packet as MMSE without Malformed or expert warnings', () => {
    expect(problems, text).toEqual([]);
    expect(packets.length).toBe(known.length);
    for (const p of packets) expect(Object.keys(p._source.layers)).toContain('mmse');
  });

  it.each(known.map((p, i) => [p.messageType as string, i] as const))('%s: tshark shows the fields we meant', (_t, i) => {
    const want = expected(known[i]!);
    const pkt = packets[i]!;
    for (const [field, values] of Object.entries(want)) {
      expect(fieldValues(pkt, field), field).toEqual(values);
    }
  });
});
