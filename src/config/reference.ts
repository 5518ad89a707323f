/**
 * The configuration reference, rendered from the schema (so the README's table cannot drift): one markdown
 * table per section with key, environment variable, flag, default and description. `scripts/gen-config-doc.ts`
 * writes it between the README markers; test/config/reference.test.ts checks they agree.
 */
import { configKeys, type ConfigKey } from './keys.ts';
import { SECTIONS } from './schema.ts';

export const REFERENCE_START = '<!-- config-reference:start -->';
export const REFERENCE_END = '<!-- config-reference:end -->';

const SECTION_TITLES: Record<string, string> = {
  gateway: 'UDP listeners, upstream HTTP, sessions, WSP and WTP',
  push: 'Push Proxy Gateway (PAP, queue, SMS over SMPP)',
  identity: 'Subscriber identity, header enrichment, client access',
  charging: 'Charging data records',
  admin: 'Admin listener (health, metrics, status, traces)',
  mmsc: 'Reference MMSC',
  log: 'Logging and access log',
  trace: 'Packet traces for interop labs',
};

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function showDefault(k: ConfigKey): string {
  if (k.default === undefined) return '*(unset)*';
  if (k.meta.secret && k.default === '') return '*(empty)*';
  if (Array.isArray(k.default) && k.default.length === 0) return '`[]`';
  return '`' + cell(typeof k.default === 'string' ? k.default : JSON.stringify(k.default)) + '`';
}

function notes(k: ConfigKey): string {
  const n: string[] = [];
  if (k.meta.reloadable) n.push('reloadable (SIGHUP)');
  if (k.meta.secret) n.push('secret (masked)');
  if (k.meta.repeatable) n.push('flag repeatable');
  return n.length ? ` *${n.join('; ')}.*` : '';
}

export function renderReference(): string {
  const lines: string[] = [
    'Precedence: YAML file (`--config FILE` or `WAPGATE_CONFIG`) < environment variables < command-line flags.',
    'Durations are milliseconds or text such as `500ms`, `30s`, `5m`, `2h`, `7d`; sizes are octets or `300KB`, `1MiB`.',
    'Lists in environment variables and flags are comma-separated (or JSON); tables (lists of mappings) are JSON.',
    'Any key can also be set with `--set key.path=value`. `wapgate config --print` shows the effective values.',
    '',
  ];
  const keys = configKeys();
  for (const section of Object.keys(SECTIONS)) {
    lines.push(`#### \`${section}\` — ${SECTION_TITLES[section] ?? section}`, '');
    lines.push('| Key | Environment variable | Flag | Default | Description |', '| --- | --- | --- | --- | --- |');
    for (const k of keys.filter((x) => x.path[0] === section)) {
      lines.push(
        `| \`${k.name}\` | \`${k.env}\` | \`--${k.flag}\` | ${showDefault(k)} | ${cell(k.meta.description)}${notes(k)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** `readme` with the text between the markers replaced by the reference; undefined when the markers are absent. */
export function spliceReference(readme: string, reference = renderReference()): string | undefined {
  const a = readme.indexOf(REFERENCE_START);
  const b = readme.indexOf(REFERENCE_END);
  if (a < 0 || b < a) return undefined;
  return readme.slice(0, a + REFERENCE_START.length) + '\n' + reference + '\n' + readme.slice(b);
}

/** The text currently between the markers, or undefined. */
export function extractReference(readme: string): string | undefined {
  const a = readme.indexOf(REFERENCE_START);
  const b = readme.indexOf(REFERENCE_END);
  if (a < 0 || b < a) return undefined;
  return readme.slice(a + REFERENCE_START.length, b).replace(/^\n/, '').replace(/\n$/, '');
}
