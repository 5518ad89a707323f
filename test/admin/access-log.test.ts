import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createAccessLog, formatText } from '../../src/admin/access-log.ts';
import { loadConfig } from '../../src/config/load.ts';
import { tempDir } from '../support/tools.ts';

const entry = {
  time: '2026-11-28T18:00:00.000Z',
  client: '127.0.0.2:32768',
  session: 7,
  method: 'GET',
  url: 'http://127.0.0.1:8002/mms/a b\r\nFAKE 200',
  status: 200,
  bytes: 1234,
  durationMs: 12.5,
  outcome: 'ok',
};

describe('access log', () => {
  it('text: the chosen fields in order, - for absent, hostile values quoted and escaped', () => {
    const line = formatText(entry, ['time', 'client', 'msisdn', 'method', 'url', 'status', 'bytes', 'durationMs']);
    expect(line).toBe('2026-11-28T18:00:00.000Z 127.0.0.2:32768 - GET "http://127.0.0.1:8002/mms/a b\\r\\nFAKE 200" 200 1234 12.5');
    expect(line).not.toContain('\n');
  });

  it('json: only the chosen fields; fields can change on reload', () => {
    const lines: string[] = [];
    const log = createAccessLog({ format: 'json', fields: ['client', 'status'], sink: (l) => lines.push(l) });
    log.write(entry);
    log.setFields(['method', 'time']);
    log.write({ ...entry, time: undefined });
    expect(JSON.parse(lines[0]!)).toEqual({ client: '127.0.0.2:32768', status: 200 });
    const second = JSON.parse(lines[1]!) as { method: string; time: string };
    expect(second.method).toBe('GET');
    expect(Date.parse(second.time)).not.toBeNaN();
  });

  it('log: a pino record, warn for failed outcomes', () => {
    const out: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (out.push(JSON.parse(String(c)) as Record<string, unknown>), cb()) }));
    const log = createAccessLog({ format: 'log', fields: ['client', 'status', 'outcome'], logger });
    log.write(entry);
    log.write({ ...entry, status: 504, outcome: 'upstream-timeout' });
    expect(out[0]).toMatchObject({ level: 30, msg: 'access', client: '127.0.0.2:32768', status: 200 });
    expect(out[0]).not.toHaveProperty('url');
    expect(out[1]).toMatchObject({ level: 40, status: 504, outcome: 'upstream-timeout' });
  });

  it('writes to a file destination from the configuration', async () => {
    const file = join(tempDir('wapgate-access-'), 'logs', 'access.log');
    const cfg = loadConfig({ env: { WAPGATE_LOG_ACCESS_FORMAT: 'text', WAPGATE_LOG_ACCESS_DESTINATION: file, WAPGATE_LOG_ACCESS_FIELDS: 'client,method,status' } });
    const log = createAccessLog(cfg.log.access);
    log.write(entry);
    log.write({ ...entry, method: 'POST' });
    await log.close();
    expect(readFileSync(file, 'utf8')).toBe('127.0.0.2:32768 GET 200\n127.0.0.2:32768 POST 200\n');
  });
});
