/** SubscriberMap change events (issue 13): what worker replication (and issue 20's Redis) listens to. */
import { describe, expect, it } from 'vitest';
import { createSubscriberMap, type SubscriberChange } from '../../src/identity/index.ts';

describe('SubscriberMap.onChange', () => {
  it('emits each change after it is applied, in order; an unbind only when it removed something', () => {
    const map = createSubscriberMap({ static: [{ cidr: '10.9.0.0/16', msisdn: '+1555000' }] });
    const seen: SubscriberChange[] = [];
    const sizes: number[] = [];
    const off = map.onChange((c) => {
      seen.push(c);
      sizes.push(map.size);
    });
    map.bind('10.0.0.1', { msisdn: '+1555001', sessionId: 'a', nas: 'nas1' });
    map.bind('10.0.0.1', { msisdn: '+1555001', sessionId: 'a', nas: 'nas1' });
    expect(map.unbind('10.0.0.1', { sessionId: 'other' })).toBe('mismatch');
    expect(map.unbind('10.0.0.2')).toBe('absent');
    map.unbind('10.0.0.1', { sessionId: 'a' });
    map.bind('10.0.0.3', { msisdn: '+1555003', nas: 'nas1' });
    map.unbindNas('nas1');
    map.reloadStatic();
    map.clear();
    expect(seen.map((c) => c.op)).toEqual(['bind', 'bind', 'unbind', 'bind', 'unbindNas', 'reloadStatic', 'clear']);
    expect(seen[0]).toMatchObject({ op: 'bind', address: '10.0.0.1', result: 'new', rec: { msisdn: '+1555001' } });
    expect(seen[1]).toMatchObject({ result: 'refreshed' });
    expect(seen[2]).toEqual({ op: 'unbind', address: '10.0.0.1', match: { sessionId: 'a' } });
    expect(seen[4]).toEqual({ op: 'unbindNas', nas: 'nas1', removed: 1 });
    expect(sizes.slice(0, 3)).toEqual([1, 1, 0]);
    off();
    map.bind('10.0.0.4', { msisdn: '+1555004' });
    expect(seen).toHaveLength(7);
  });

  it('a listener that throws neither undoes the change nor silences the others; the change\'s caller sees the error', () => {
    const map = createSubscriberMap();
    const seen: string[] = [];
    map.onChange(() => {
      throw new Error('listener bug');
    });
    map.onChange((c) => seen.push(c.op));
    expect(() => map.bind('10.0.0.1', { msisdn: '+1' })).toThrow('listener bug');
    expect(seen).toEqual(['bind']);
    expect(map.lookup('10.0.0.1')?.msisdn).toBe('+1');
  });
});
