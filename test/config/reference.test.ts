import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/config.ts';
import { configKeys } from '../../src/config/keys.ts';
import { extractReference, renderReference, spliceReference } from '../../src/config/reference.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const README = join(ROOT, 'README.md');
const readme = existsSync(README) ? readFileSync(README, 'utf8') : '';
const hasMarkers = extractReference(readme) !== undefined;

describe('configuration reference', () => {
  it('lists every key with env variable, flag and default', () => {
    const ref = renderReference();
    for (const k of configKeys()) {
      expect(ref).toContain(`| \`${k.name}\` | \`${k.env}\` | \`--${k.flag}\` |`);
    }
    expect(ref).toContain('| `gateway.clPort` | `WAPGATE_GATEWAY_CL_PORT` | `--cl-port` | `9200` |');
  });

  it('splices between the markers and reads back the same text', () => {
    const doc = 'intro\n<!-- config-reference:start -->\nold\n<!-- config-reference:end -->\nrest\n';
    const next = spliceReference(doc)!;
    expect(extractReference(next)).toBe(renderReference());
    expect(spliceReference(next)).toBe(next);
    expect(spliceReference('no markers')).toBeUndefined();
  });

  it.skipIf(!hasMarkers)('README.md carries the generated reference (run: npx tsx scripts/gen-config-doc.ts)', () => {
    expect(extractReference(readme)).toBe(renderReference());
  });
});

describe('wapgate config', () => {
  const capture = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const o = process.stdout.write.bind(process.stdout);
    const e = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => (err.push(String(s)), true)) as typeof process.stderr.write;
    try {
      const code = await run(args);
      return { code, out: out.join(''), err: err.join('') };
    } finally {
      process.stdout.write = o;
      process.stderr.write = e;
    }
  };

  it('--check FILE: 0 for the example, 1 with the problems for a bad file', async () => {
    expect((await capture(['--check', join(ROOT, 'wapgate.example.yaml')])).code).toBe(0);
    const bad = await capture(['--check', join(ROOT, 'package.json')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^  - name \(.*package\.json:\d+\): unknown key; expected a known key/m);
  });

  it('--print masks secrets and shows sources', async () => {
    const r = await capture(['--print', '--config', join(ROOT, 'wapgate.example.yaml'), '--radius-secret', 'topsecret']);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('topsecret');
    expect(r.out).not.toContain('change-me');
    expect(r.out).toMatch(/secret: "\*{8}"\s+# flag --radius-secret/);
  });

  it('bad flags exit 1 with the message', async () => {
    const r = await capture(['--print', '--cl-port', '99999']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/gateway\.clPort \(flag --cl-port\): 99999 is not allowed/);
  });
});
