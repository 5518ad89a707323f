/**
 * One representative PDU per MMS message type (OMA-MMS-ENC-V1_3 §6), with the header fields each type carries.
 * Used by the tshark oracle test and the round-trip tests.
 */
import { encodedString, phoneAddress, type MmsPdu } from '../../src/mms/index.ts';

const T0 = new Date('2026-11-28T18:00:00Z');
const smil = Buffer.from(
  '<smil><head><layout><root-layout/><region id="Image" top="0" height="70%"/><region id="Text" top="70%" height="30%"/></layout></head>' +
    '<body><par dur="5000ms"><img src="cid:image.jpg" region="Image"/><text src="text.txt" region="Text"/></par></body></smil>',
);

export const SAMPLES: MmsPdu[] = [
  {
    messageType: 'm-send-req',
    headers: {
      transactionId: 'tx-0001',
      mmsVersion: '1.2',
      date: T0,
      from: { insertAddress: true },
      to: [phoneAddress('+15550000002'), { text: 'alice@example.org' }],
      cc: [{ text: '192.0.2.7/TYPE=IPv4' }],
      bcc: [{ text: '2001:db8::1/TYPE=IPv6' }],
      subject: { text: 'Holiday pictures' },
      messageClass: 'Personal',
      expiry: { relative: 86400 },
      deliveryTime: { absolute: new Date('2026-11-29T08:00:00Z') },
      priority: 'High',
      senderVisibility: 'Show',
      deliveryReport: true,
      readReport: false,
    },
    contentType: {
      type: 'application/vnd.wap.multipart.related',
      params: [
        { name: 'start', value: '<smil>' },
        { name: 'type', value: 'application/smil' },
      ],
    },
    parts: [
      {
        contentType: { type: 'application/smil', params: [] },
        headers: [
          { name: 'Content-ID', value: '<smil>' },
          { name: 'Content-Location', value: 'smil.xml' },
        ],
        body: smil,
      },
      {
        contentType: { type: 'image/jpeg', params: [] },
        headers: [
          { name: 'Content-ID', value: '<image.jpg>' },
          { name: 'Content-Location', value: 'image.jpg' },
        ],
        body: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]),
      },
      {
        contentType: { type: 'text/plain', params: [{ name: 'charset', value: 'utf-8' }] },
        headers: [{ name: 'Content-Location', value: 'text.txt' }],
        body: Buffer.from('Greetings from the beach', 'utf8'),
      },
    ],
  },
  {
    messageType: 'm-send-conf',
    headers: { transactionId: 'tx-0001', mmsVersion: '1.2', responseStatus: 'Ok', messageId: 'msg-4f2a9c' },
  },
  {
    messageType: 'm-notification-ind',
    headers: {
      transactionId: 'tx-0002',
      mmsVersion: '1.2',
      from: { address: phoneAddress('+15550000001') },
      subject: { text: 'Holiday pictures' },
      messageClass: 'Personal',
      messageSize: 29586,
      expiry: { absolute: new Date('2026-12-05T18:00:00Z') },
      contentLocation: 'http://127.0.0.1:8002/mms/m/5d0c1f6a2b3e4d5f6a7b8c9d0e1f2a3b',
      deliveryReport: true,
    },
  },
  {
    messageType: 'm-notifyresp-ind',
    headers: { transactionId: 'tx-0002', mmsVersion: '1.2', status: 'Retrieved', reportAllowed: true },
  },
  {
    messageType: 'm-retrieve-conf',
    headers: {
      transactionId: 'tx-0003',
      mmsVersion: '1.2',
      messageId: 'msg-4f2a9c',
      date: T0,
      from: { address: phoneAddress('+15550000001') },
      to: [phoneAddress('+15550000002')],
      subject: { text: 'Holiday pictures' },
      messageClass: 'Personal',
      priority: 'Normal',
      deliveryReport: false,
      readReport: true,
    },
    contentType: { type: 'application/vnd.wap.multipart.mixed', params: [] },
    parts: [
      {
        contentType: { type: 'text/plain', params: [{ name: 'charset', value: 'us-ascii' }] },
        headers: [{ name: 'Content-Location', value: 'note.txt' }],
        body: Buffer.from('see you soon'),
      },
    ],
  },
  {
    messageType: 'm-acknowledge-ind',
    headers: { transactionId: 'tx-0003', mmsVersion: '1.2', reportAllowed: false },
  },
  {
    messageType: 'm-delivery-ind',
    headers: {
      mmsVersion: '1.2',
      messageId: 'msg-4f2a9c',
      to: [phoneAddress('+15550000002')],
      date: T0,
      status: 'Retrieved',
    },
  },
  {
    messageType: 'm-read-rec-ind',
    headers: {
      mmsVersion: '1.2',
      messageId: 'msg-4f2a9c',
      to: [phoneAddress('+15550000001')],
      from: { address: phoneAddress('+15550000002') },
      date: T0,
      readStatus: 'Read',
    },
  },
  {
    messageType: 'm-read-orig-ind',
    headers: {
      mmsVersion: '1.2',
      messageId: 'msg-4f2a9c',
      to: [phoneAddress('+15550000001')],
      from: { address: phoneAddress('+15550000002') },
      date: T0,
      readStatus: 'Deleted without being read',
    },
  },
  {
    messageType: 'm-forward-req',
    headers: {
      transactionId: 'tx-0004',
      mmsVersion: '1.2',
      date: T0,
      from: { insertAddress: true },
      to: [phoneAddress('+15550000003')],
      expiry: { relative: 3600 },
      deliveryReport: true,
      readReport: true,
      contentLocation: 'http://127.0.0.1:8002/mms/m/5d0c1f6a2b3e4d5f6a7b8c9d0e1f2a3b',
    },
  },
  {
    messageType: 'm-forward-conf',
    headers: {
      transactionId: 'tx-0004',
      mmsVersion: '1.2',
      responseStatus: 'Error-permanent-service-denied',
      responseText: encodedString('forwarding not allowed'),
    },
  },
  {
    messageType: 'm-cancel-req',
    headers: { transactionId: 'tx-0005', mmsVersion: '1.3', cancelId: 'msg-4f2a9c' },
  },
  {
    messageType: 'm-cancel-conf',
    headers: { transactionId: 'tx-0005', mmsVersion: '1.3', cancelStatus: 'Cancel Request Successfully received' },
  },
  {
    messageType: 'm-delete-req',
    headers: { transactionId: 'tx-0006', mmsVersion: '1.3', contentLocation: 'http://mmsc.example/m/1' },
  },
  {
    messageType: 'm-mbox-store-req',
    headers: {
      transactionId: 'tx-0007',
      mmsVersion: '1.2',
      contentLocation: 'http://mmsc.example/m/1',
      mmState: 'New',
      mmFlags: [{ op: 'add', flag: { text: 'Important' } }],
    },
  },
  {
    messageType: 'm-mbox-view-req',
    headers: {
      transactionId: 'tx-0008',
      mmsVersion: '1.2',
      mmState: 'Draft',
      start: 0,
      limit: 20,
      attributes: [0x16, 0x09],
      totals: true,
      quotas: true,
    },
  },
  {
    messageType: 'm-mbox-view-conf',
    headers: {
      transactionId: 'tx-0008',
      mmsVersion: '1.2',
      responseStatus: 'Ok',
      mboxTotals: [{ unit: 'messages', value: 12 }],
      mboxQuotas: [{ unit: 'bytes', value: 5_000_000 }],
      messageCount: 12,
    },
  },
];
