/** Kannel's peer harness (../shared/peers/kannel) for the benchmark: start, the two boxes' pids, stop. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './procs.ts';

/**
 * Kannel's start.sh into `runDir`, retried while another user's Kannel holds the fixed ports (never stopped by
 * us); on success, the pids of bearerbox and wapbox.
 */
export async function startKannel(peers: string, runDir: string, progress: (s: string) => void): Promise<{ code: number; out: string; pids: number[] }> {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const r = await run('bash', [join(peers, 'start.sh')], { KANNEL_RUN_DIR: runDir, KANNEL_WDP_ADDR: '127.0.0.2' }, 180_000);
    const busy = /already running|already in use/.test(r.out);
    if (r.code === 0) return { ...r, pids: kannelPids(runDir) };
    if (!busy || Date.now() > deadline) return { ...r, pids: [] };
    progress('Kannel ports busy (another run holds them): waiting 10 s and retrying');
    await new Promise((res) => setTimeout(res, 10_000));
  }
}

/** bearerbox's and wapbox's pids, as start.sh wrote them. */
export function kannelPids(runDir: string): number[] {
  return readFileSync(join(runDir, 'kannel.pids'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => Number(l.split(' ')[1]));
}

export async function stopKannel(peers: string, runDir: string): Promise<void> {
  await run('bash', [join(peers, 'stop.sh')], { KANNEL_RUN_DIR: runDir }, 60_000);
}
