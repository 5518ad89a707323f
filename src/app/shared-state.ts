/**
 * Several nodes (issue 20): with `state.redis.url`, serve shares the subscriber map, the PPG queue and the push-id
 * space through Redis (src/state). Without it nothing of src/state is loaded: one node, the embedded store.
 */
import type { Logger } from 'pino';
import type { WapgateConfig } from '../config/index.ts';

export type SharedState = import('../state/index.ts').SharedState;

/** This node's id: `state.nodeId`, else host and CO port (stable across restarts, distinct on one host). */
export async function nodeId(cfg: WapgateConfig): Promise<string> {
  const { nodeIdOf } = await import('../state/node.ts');
  return nodeIdOf(cfg.state.nodeId, cfg.gateway.coPort);
}

export async function composeSharedState(cfg: WapgateConfig, log: Logger): Promise<SharedState | undefined> {
  const r = cfg.state.redis;
  if (!r.url) return undefined;
  const { startSharedState } = await import('../state/index.ts');
  const child = log.child({ part: 'state' });
  return startSharedState(
    {
      url: r.url,
      nodeId: await nodeId(cfg),
      keyPrefix: r.keyPrefix,
      graceMs: r.graceMs,
      commandTimeoutMs: r.commandTimeoutMs,
      claimIdleMs: r.claimIdleMs,
      subscriberTtlMs: cfg.identity.radius.mapTtl,
    },
    {
      info: (f, m) => child.info(f, m),
      warn: (f, m) => child.warn(f, m),
      error: (f, m) => child.error(f, m),
    },
  );
}

/** The CDR destination of this node: per node (`{node}`, or name.<node>.ext) when state is shared. */
export async function nodeCharging(cfg: WapgateConfig): Promise<WapgateConfig['charging']> {
  const dest = cfg.charging.cdr.destination;
  if (!dest) return cfg.charging;
  const { nodeScopedPath } = await import('../state/node.ts');
  const scoped = nodeScopedPath(dest, await nodeId(cfg), cfg.state.redis.url !== undefined);
  return scoped === dest ? cfg.charging : { ...cfg.charging, cdr: { ...cfg.charging.cdr, destination: scoped } };
}
