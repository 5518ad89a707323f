/**
 * A network namespace of the test's own with the Linux kernel's L4 balancing in front of several gateway nodes,
 * as kube-proxy's nftables mode programs it: `dnat to jhash ip saddr mod N map { … }` — source-address affinity,
 * the handset's source address kept (identity by IP). Everything lives on the namespace's own loopback
 * (127.0.0.0/8), so no traffic leaves it. Needs root, `ip` (iproute2) and `nft` (nftables).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Balancer {
  /** The namespace's name (`ip netns exec NAME …`). */
  name: string;
  /** The virtual address handsets send to. */
  vip: string;
  /** Points the VIP's UDP ports at these nodes (replaces the map, as kube-proxy does on an endpoint change). */
  setBackends(nodes: readonly string[]): void;
  /** Which backend index jhash picks is the kernel's business; this reads the rules back for failure messages. */
  ruleset(): string;
  /** Spawns a command inside the namespace. */
  spawn(cmd: string, args: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Runs a command inside the namespace to completion. */
  run(cmd: string, args: readonly string[], opts?: { input?: string; timeoutMs?: number }): { status: number | null; stdout: string; stderr: string };
  /** Deletes the namespace (its processes must have been stopped). */
  destroy(): void;
}

export function netnsAvailable(): boolean {
  const probe = `wgprobe${process.pid}`;
  const ok =
    process.getuid?.() === 0 &&
    spawnSync('nft', ['--version']).status === 0 &&
    spawnSync('ip', ['netns', 'add', probe]).status === 0;
  if (ok) spawnSync('ip', ['netns', 'del', probe]);
  if (!ok && process.env.CI) throw new Error('network namespaces with nftables are required under CI (root, iproute2, nftables)');
  return ok;
}

function check(r: ReturnType<typeof spawnSync>, what: string): void {
  if (r.status !== 0) throw new Error(`${what} failed: ${String(r.stderr ?? '')}`);
}

export function createBalancer(opts: { vip: string; ports: readonly number[]; name?: string }): Balancer {
  const name = opts.name ?? `wapgate-lb-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  check(spawnSync('ip', ['netns', 'add', name]), 'ip netns add');
  const exec = (cmd: string, args: readonly string[]) => ['netns', 'exec', name, cmd, ...args];
  check(spawnSync('ip', exec('ip', ['link', 'set', 'lo', 'up'])), 'lo up');
  const nft = (script: string) => check(spawnSync('ip', exec('nft', ['-f', '-']), { input: script }), 'nft');
  nft(`table ip wapgate_lb {
  chain output {
    type nat hook output priority -100; policy accept;
  }
}
`);
  const ports = opts.ports.join(', ');
  return {
    name,
    vip: opts.vip,
    setBackends(nodes) {
      const map = nodes.map((n, i) => `${i} : ${n}`).join(', ');
      // One transaction: flush the chain and add the new rule, as kube-proxy replaces a service's map. A fixed
      // seed: nft picks a random one per rule otherwise, and every update would move every handset.
      nft(`flush chain ip wapgate_lb output
add rule ip wapgate_lb output ip daddr ${opts.vip} udp dport { ${ports} } dnat to jhash ip saddr mod ${nodes.length} seed 0x5741 map { ${map} }
`);
    },
    ruleset() {
      return spawnSync('ip', exec('nft', ['list', 'ruleset']), { encoding: 'utf8' }).stdout;
    },
    spawn(cmd, args, o = {}) {
      return spawn('ip', exec(cmd, args), o);
    },
    run(cmd, args, o = {}) {
      const r = spawnSync('ip', exec(cmd, args), { input: o.input, timeout: o.timeoutMs ?? 60_000, encoding: 'utf8' });
      return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    },
    destroy() {
      spawnSync('ip', ['netns', 'del', name]);
    },
  };
}
