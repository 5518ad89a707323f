import { describe, expect, it } from 'vitest';
import { udpPcap } from '../../src/trace/pcap.ts';
import { fieldValues, toolAvailable, tshark } from '../support/tools.ts';

describe.skipIf(!toolAvailable('tshark'))('pcap writer addresses, as tshark reads them', () => {
  it('IPv4, IPv6 and IPv4-mapped IPv6 (a dual-stack socket) land in the right IP header', () => {
    const payload = Buffer.from([0x01, 0x40, 0x00]);
    const r = tshark(
      udpPcap([
        { src: '127.0.0.2', srcPort: 40000, dst: '127.0.0.1', dstPort: 9200, payload },
        { src: '2001:db8::7', srcPort: 40001, dst: '::1', dstPort: 9200, payload },
        { src: '::ffff:127.0.0.3', srcPort: 40002, dst: '::ffff:127.0.0.1', dstPort: 9200, payload },
        { src: 'fe80::1:2', srcPort: 40003, dst: '127.0.0.1', dstPort: 9200, payload },
      ]),
    );
    expect(r.problems).toEqual([]);
    const [a, b, c, d] = r.packets;
    expect(fieldValues(a!, 'ip.src')).toEqual(['127.0.0.2']);
    expect(fieldValues(b!, 'ipv6.src')).toEqual(['2001:db8::7']);
    expect(fieldValues(b!, 'ipv6.dst')).toEqual(['::1']);
    expect(fieldValues(c!, 'ip.src')).toEqual(['127.0.0.3']);
    expect(fieldValues(c!, 'ip.dst')).toEqual(['127.0.0.1']);
    expect(fieldValues(d!, 'ipv6.src')).toEqual(['fe80::1:2']);
    expect(fieldValues(d!, 'ipv6.dst')).toEqual(['::ffff:127.0.0.1']);
  });
});
