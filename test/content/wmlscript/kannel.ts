/** Kannel's WMLScript tools driven from tests: wmlsc (compiler) and wmlsdasm (disassembler), both under a timeout. */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../support/tools.ts';

export const WMLSC = '/usr/bin/wmlsc';
export const WMLSDASM = '/usr/bin/wmlsdasm';

/** Compiles with wmlsc in a scratch directory; the .wmlsc it writes, or the reason it failed. */
export function kannelCompile(source: string, name = 'input', timeout = 10_000): Buffer | string {
  const dir = tempDir('wapgate-wmlsc-');
  try {
    // wmlsc reads its input's bytes as ISO-8859-1 characters, so it gets the source in Latin-1.
    writeFileSync(join(dir, `${name}.wmls`), Buffer.from(source, 'latin1'));
    const r = spawnSync(WMLSC, [`${name}.wmls`], { cwd: dir, timeout, encoding: 'latin1' });
    if (r.status !== 0) return `wmlsc ${r.error ? 'timed out' : `exit ${r.status}`}: ${r.stderr}`;
    return readFileSync(join(dir, `${name}.wmlsc`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Disassembles with wmlsdasm (constants, names, functions); its exit status and output. */
export function kannelDisassemble(bytecode: Buffer): { status: number | null; out: string; err: string } {
  const dir = tempDir('wapgate-wmlsdasm-');
  const file = join(dir, 'unit.wmlsc');
  writeFileSync(file, bytecode);
  const r = spawnSync(WMLSDASM, ['-c', '-n', '-f', file], { timeout: 10_000, encoding: 'latin1' });
  rmSync(dir, { recursive: true, force: true });
  return { status: r.status, out: r.stdout.replaceAll(file, 'unit.wmlsc'), err: r.stderr };
}

