import { describe, expect, it } from 'vitest';
import { nodeIdOf, nodeScopedPath } from '../../src/state/node.ts';

describe('node identity', () => {
  it('uses the configured id, else host and port', () => {
    expect(nodeIdOf('gw-a', 9200)).toBe('gw-a');
    expect(nodeIdOf(undefined, 9201, 'box.example:1')).toBe('box.example-1-9201');
  });
  it('names the CDR file per node', () => {
    expect(nodeScopedPath('/var/cdr/{node}.jsonl', 'a', false)).toBe('/var/cdr/a.jsonl');
    expect(nodeScopedPath('/var/cdr/cdr.jsonl', 'a', true)).toBe('/var/cdr/cdr.a.jsonl');
    expect(nodeScopedPath('/var/cdr/cdr.jsonl', 'a', false)).toBe('/var/cdr/cdr.jsonl');
    expect(nodeScopedPath('stdout', 'a', true)).toBe('stdout');
  });
});
