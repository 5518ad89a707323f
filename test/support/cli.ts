/**
 * Running wapgate as a process from tests.
 * - `SOURCE_CLI`: the current sources through tsx (`node --import tsx src/cli/main.ts …`) — what every test that
 *   spawns the CLI runs, never a possibly stale dist/.
 * - `compiledInstall()`: the compiled package as a user gets it: `tsc -p tsconfig.build.json` into a staging
 *   copy, `npm pack`, then `npm install --omit=dev` of that tarball into a directory outside the repository (so no
 *   dev dependency is reachable by module resolution). Install scripts are not run there: better-sqlite3's native
 *   addon (what its allowed install script compiles, about a minute) is taken from this checkout's own build of
 *   the same version for the same Node ABI. Cached per content hash of what goes into the package, so the smoke
 *   test and the README walk-through share one install.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

/** `node` arguments that run the CLI from the current sources: `spawn(process.execPath, [...SOURCE_CLI, 'serve'])`. */
export const SOURCE_CLI: readonly string[] = ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];

export interface CompiledInstall {
  /** The installing project (its node_modules holds wapgate and its production dependencies only). */
  app: string;
  /** The installed package (node_modules/wapgate): `npm start` runs there. */
  pkg: string;
  /** The `wapgate` command (node_modules/.bin/wapgate). */
  bin: string;
  /** The packed tarball's file list. */
  packed: string[];
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function contentKey(): string {
  const h = createHash('sha256');
  const files = [...walk(join(ROOT, 'src')), ...walk(join(ROOT, 'bin'))].sort();
  for (const f of [...files, ...['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/bundle.mjs', 'README.md', 'wapgate.example.yaml'].map((f) => join(ROOT, f))]) {
    h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });

export function compiledInstall(): CompiledInstall {
  const dir = join(tmpdir(), `wapgate-compiled-${contentKey()}`);
  const result = (): CompiledInstall => ({
    app: join(dir, 'app'),
    pkg: join(dir, 'app', 'node_modules', 'wapgate'),
    bin: join(dir, 'app', 'node_modules', '.bin', 'wapgate'),
    packed: JSON.parse(readFileSync(join(dir, 'packed.json'), 'utf8')) as string[],
  });
  if (existsSync(join(dir, 'done'))) return result();
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  const stage = join(work, 'stage');
  mkdirSync(stage, { recursive: true });
  // The build, as `npm run build` does it, into the staging copy (the checkout's dist/ is not touched: other
  // test files and developers may be using it).
  try {
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], ROOT);
  } catch (err) {
    // A type error elsewhere still emits; what must exist is the program. `npm run typecheck` reports the rest.
    if (!existsSync(join(stage, 'dist', 'cli', 'main.js'))) throw err;
  }
  run(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), join(stage, 'dist', 'bundle')], ROOT);
  for (const f of ['bin', 'package.json', 'README.md', 'wapgate.example.yaml']) cpSync(join(ROOT, f), join(stage, f), { recursive: true });
  const pack = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], stage)) as { filename: string; files: { path: string }[] }[];
  const tarball = join(work, pack[0]!.filename);
  writeFileSync(join(work, 'packed.json'), JSON.stringify(pack[0]!.files.map((f) => f.path)));
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'wapgate-smoke', private: true }));
  run('npm', ['install', '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-package-lock', tarball], app);
  const addon = join('build', 'Release', 'better_sqlite3.node');
  const ours = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string };
  const theirs = JSON.parse(readFileSync(join(app, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string };
  if (ours.version !== theirs.version) throw new Error(`better-sqlite3 ${theirs.version} installed, ${ours.version} built here`);
  mkdirSync(join(app, 'node_modules', 'better-sqlite3', 'build', 'Release'), { recursive: true });
  cpSync(join(ROOT, 'node_modules', 'better-sqlite3', addon), join(app, 'node_modules', 'better-sqlite3', addon));
  writeFileSync(join(work, 'done'), new Date().toISOString());
  // Installs of older sources (another content hash) a day old or more are not wanted again.
  for (const e of readdirSync(tmpdir())) {
    const old = join(tmpdir(), e);
    if (/^wapgate-compiled-[0-9a-f]{16}$/.test(e) && old !== dir && statSync(old).mtimeMs < Date.now() - 86_400_000) rmSync(old, { recursive: true, force: true });
  }
  try {
    renameSync(work, dir);
  } catch {
    // Another test file finished the same install first: use that one.
    rmSync(work, { recursive: true, force: true });
    if (!existsSync(join(dir, 'done'))) throw new Error(`compiled install ${dir} missing`);
  }
  return result();
}

/** Whether `path` (a file or directory) exists; for the no-dev-dependency checks. */
export function present(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
