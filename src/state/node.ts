/**
 * A node's identity among several (issue 20): its id, and the per-node names of what stays per node (CDR files).
 */
import { hostname } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';

/** `state.nodeId`, else `<host>-<port>`: stable across restarts of one node, distinct for nodes sharing a host. */
export function nodeIdOf(configured: string | undefined, port: number, host = hostname()): string {
  if (configured) return configured;
  const h = host.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 48) || 'node';
  return `${h}-${port}`;
}

/**
 * The CDR file of one node: `{node}` in the path is replaced by the node id; without it, a node that shares
 * state with others writes `name.<node>.ext` beside the configured name (each node appends to its own file; a
 * collector merges them). `stdout` stays stdout.
 */
export function nodeScopedPath(path: string, nodeId: string, shared: boolean): string {
  if (path === 'stdout' || path === '-') return path;
  if (path.includes('{node}')) return path.replaceAll('{node}', nodeId);
  if (!shared) return path;
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.${nodeId}${ext}`);
}
