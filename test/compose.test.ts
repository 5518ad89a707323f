/**
 * No Docker engine runs here, so the compose file and the Dockerfile are checked by reading them: services,
 * ports and networks as issue 7 describes, and every WAPGATE_* variable against the real configuration schema
 * (each must be a key, and each service's environment must validate). Where docker-compose is installed, its
 * own `config` command validates the file against the Compose schema too.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { usage } from '../src/cli/main.ts';
import { configKeys } from '../src/config/keys.ts';
import { loadConfig } from '../src/config/load.ts';

const ROOT = join(import.meta.dirname, '..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  networks: Record<string, { ipam?: { config?: { subnet: string }[] } }>;
  volumes?: Record<string, unknown>;
};
interface Service {
  profiles?: string[];
  image?: string;
  build?: string | { context: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  networks: Record<string, { ipv4_address?: string }> | string[];
  volumes?: string[];
  stop_grace_period?: string;
  healthcheck?: { test: string[] };
}
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const { gateway, mmsc } = compose.services as { gateway: Service & { environment: Record<string, string> }; mmsc: Service & { environment: Record<string, string> } };

function ipv4InCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/') as [string, string];
  const n = (a: string) => a.split('.').reduce((x, o) => (x << 8) + Number(o), 0) >>> 0;
  const mask = bits === '0' ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (n(ip) & mask) === (n(net) & mask);
}

describe('docker-compose.yml', () => {
  it('has the gateway and the reference MMSC as two services on one network, built from this Dockerfile', () => {
    // the default profile; `--profile scale` adds Redis and three nodes (below)
    expect(Object.entries(compose.services).filter(([, s]) => !s.profiles).map(([n]) => n).sort()).toEqual(['gateway', 'mmsc']);
    for (const s of [gateway, mmsc]) {
      expect(s.build).toBe('.');
      expect(Object.keys(s.networks)).toEqual(['wapnet']);
    }
    expect(gateway.command).toEqual(['wapgate', 'serve']);
    expect(mmsc.command).toEqual(['wapgate', 'mmsc']);
    // the commands exist in the CLI
    expect(usage()).toMatch(/^\s+serve\s/m);
    expect(usage()).toMatch(/^\s+mmsc\s/m);
  });

  it('every WAPGATE_* variable is a real configuration key and each service environment validates', () => {
    const envNames = new Set(configKeys().map((k) => k.env));
    for (const [name, s] of Object.entries(compose.services)) {
      if (!s.environment) continue;
      for (const v of Object.keys(s.environment)) expect(envNames.has(v), `${name}: ${v} is not a configuration key`).toBe(true);
      expect(() => loadConfig({ env: s.environment }), name).not.toThrow();
    }
  });

  it('publishes UDP 9200-9201 towards handsets; PAP and MM1 stay inside; admin only on the host loopback', () => {
    const g = loadConfig({ env: gateway.environment });
    const m = loadConfig({ env: mmsc.environment });
    expect(gateway.ports).toEqual(
      expect.arrayContaining([`${g.gateway.clPort}:${g.gateway.clPort}/udp`, `${g.gateway.coPort}:${g.gateway.coPort}/udp`]),
    );
    expect(g.gateway.bind).toBe('0.0.0.0');
    const published = [...(gateway.ports ?? []), ...(mmsc.ports ?? [])];
    for (const p of published) {
      expect(p).not.toMatch(new RegExp(`(^|:)${g.push.papPort}$`));
      expect(p).not.toMatch(new RegExp(`(^|:)${m.mmsc.port}$`));
      if (p.endsWith(`:${g.admin.port}`)) expect(p.startsWith('127.0.0.1:')).toBe(true);
    }
    expect(mmsc.ports).toBeUndefined();
    expect(mmsc.expose).toEqual([String(m.mmsc.port)]);
    // pushes go from the gateway's CL port to handsets' 2948; the config says so
    expect(g.push.pushPort).toBe(2948);
  });

  it("the only coupling: the gateway's upstream is the MMSC service, the MMSC's PPG URL is the gateway's PAP endpoint", () => {
    const g = loadConfig({ env: gateway.environment });
    const m = loadConfig({ env: mmsc.environment });
    const up = new URL(g.gateway.upstream!);
    expect(up.hostname).toBe('mmsc');
    expect(Number(up.port)).toBe(m.mmsc.port);
    expect(up.pathname).toBe('/mms');
    const ppg = new URL(m.mmsc.ppgUrl!);
    expect(ppg.hostname).toBe('gateway');
    expect(Number(ppg.port)).toBe(g.push.papPort);
    expect(ppg.pathname).toBe(g.push.papPath);
    expect(g.push.papBind).toBe('0.0.0.0');
    expect(m.mmsc.bind).toBe('0.0.0.0');
    // content locations the handsets fetch are on the gateway's allowed upstream origin
    expect(new URL(m.mmsc.publicUrl!).origin).toBe(up.origin);
  });

  it("the MMSC's address is a trusted push initiator, and nothing wider than the compose network is", () => {
    const g = loadConfig({ env: gateway.environment });
    const subnet = compose.networks.wapnet!.ipam!.config![0]!.subnet;
    const mmscIp = (mmsc.networks as Record<string, { ipv4_address: string }>).wapnet!.ipv4_address;
    expect(ipv4InCidr(mmscIp, subnet)).toBe(true);
    expect(g.push.trustedIps.some((c) => ipv4InCidr(mmscIp, c.includes('/') ? c : `${c}/32`))).toBe(true);
    expect(g.push.trustedIps).not.toContain('0.0.0.0/0');
    for (const c of g.push.trustedIps) expect(c === '127.0.0.1' || c === subnet).toBe(true);
  });

  it("profile 'scale': Redis with an fsynced append-only file, three nodes sharing it, each with its own id, ports, store and CDR file", () => {
    const scale = Object.entries(compose.services).filter(([, sv]) => sv.profiles?.includes('scale'));
    const redis = compose.services.redis!;
    expect(redis.command?.join(' ')).toContain('--appendfsync always');
    const nodes = scale.filter(([n]) => n.startsWith('node-')).map(([n, sv]) => ({ n, sv, c: loadConfig({ env: sv.environment! }) }));
    expect(nodes).toHaveLength(3);
    expect(new Set(nodes.map(({ c }) => c.state.redis.url))).toEqual(new Set(['redis://redis:6379']));
    expect(new Set(nodes.map(({ c }) => c.state.nodeId)).size).toBe(3);
    expect(new Set(nodes.flatMap(({ sv }) => sv.ports ?? [])).size).toBe(6);
    for (const { sv, c } of nodes) {
      expect(c.charging.cdr.destination).toContain('{node}');
      expect(c.store.dir).toBe('/var/lib/wapgate');
      expect(sv.volumes?.some((v) => v.endsWith(':/var/lib/wapgate'))).toBe(true);
      expect(c.gateway.bind).toBe('0.0.0.0');
    }
  });

  it('state that must survive a restart is on volumes; stop grace exceeds the drain deadline', () => {
    const g = loadConfig({ env: gateway.environment });
    const m = loadConfig({ env: mmsc.environment });
    expect(m.mmsc.storeDir.startsWith('/var/lib/wapgate')).toBe(true);
    // the durable store (push and sendsms queues) beside the CDRs on the gateway's volume
    expect(g.store.dir?.startsWith('/var/lib/wapgate')).toBe(true);
    for (const s of [gateway, mmsc]) {
      expect(s.volumes?.some((v) => v.endsWith(':/var/lib/wapgate'))).toBe(true);
      expect(Number.parseInt(s.stop_grace_period!, 10) * 1000).toBeGreaterThan(g.gateway.drainTimeout);
    }
    expect(gateway.healthcheck!.test.join(' ')).toContain(`:${g.admin.port}/healthz`);
  });

  const dc = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!dc)('docker-compose validates it against the Compose schema', () => {
    const r = spawnSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config', '--quiet'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('Dockerfile', () => {
  const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const stages = dockerfile.split(/^(?=FROM )/m).filter((s) => s.startsWith('FROM '));
  const runtime = stages[stages.length - 1]!;
  const stageOf = (name: string) => stages.find((s) => new RegExp(`^FROM \\S+ AS ${name}\\b`).test(s))!;

  it('multi-stage on node:20-slim; the runtime stage is non-root, CMD wapgate serve', () => {
    for (const s of stages) expect(s).toMatch(/^FROM node:20-slim\b/);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const users = runtime.split('\n').filter((l) => l.startsWith('USER '));
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/USER (root|0)\b/);
    expect(lines[lines.length - 1]).toBe('CMD ["wapgate", "serve"]');
    expect(runtime).toMatch(/EXPOSE 9200\/udp 9201\/udp/);
  });

  it('builds dist/ with the dev dependencies; runs dist/ with production dependencies only (issue 13)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string>; bin: Record<string, string> };
    for (const dev of ['tsx', 'typescript']) {
      expect(pkg.dependencies).not.toHaveProperty(dev);
      expect(pkg.devDependencies).toHaveProperty(dev);
    }
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json && node scripts/bundle.mjs');
    expect(pkg.devDependencies).toHaveProperty('esbuild');
    expect(readFileSync(join(ROOT, pkg.bin.wapgate!), 'utf8')).toContain("import('../dist/bundle/cli/main.js')");
    const build = stageOf('build');
    expect(build).toMatch(/^RUN npm ci\b(?!.*--omit)/m);
    expect(build).toMatch(/^RUN npm run build$/m);
    expect(stageOf('deps')).toMatch(/^RUN npm ci --omit=dev\b.*npm rebuild better-sqlite3/m);
    // The runtime image: dist from the build stage, node_modules from the production install; no sources.
    expect(runtime).toContain('COPY --from=build /src/dist ./dist');
    expect(runtime).toContain('COPY --from=deps /app/node_modules ./node_modules');
    expect(runtime).not.toMatch(/COPY src\b|tsx|typescript|npm ci(?! --omit=dev)/);
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['node_modules', '.git', 'test', 'dist']) expect(ignore).toContain(p);
    for (const p of ['src', 'bin', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) expect(ignore).not.toContain(p);
    expect(build).toContain('COPY scripts/bundle.mjs ./scripts/');
  });
});
