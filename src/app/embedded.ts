/**
 * The embedded default of `serve` (README walk-through): no upstream configured and mmsc.embedded on, the
 * reference MMSC runs in-process, the gateway's upstream is its MM1, and two demo handsets are known.
 */
import type { WapgateConfig } from '../config/index.ts';

/** An address as a URL host (IPv6 in brackets). */
export function host(a: string): string {
  return a.includes(':') ? `[${a}]` : a;
}

/** The embedded demo's two handsets, each on its own loopback address (README walk-through). */
export const DEMO_SUBSCRIBERS = [
  { cidr: '127.0.0.2/32', msisdn: '+15550000001', name: 'Bob' },
  { cidr: '127.0.0.3/32', msisdn: '+15550000002', name: 'Alice' },
];

/** Whether `serve` runs the reference MMSC itself: no upstream configured and mmsc.embedded on. */
export function isEmbedded(cfg: WapgateConfig): boolean {
  return !cfg.gateway.upstream && cfg.mmsc.embedded;
}

/**
 * The embedded default: the gateway's upstream is the in-process MMSC, the MMSC pushes through this process's
 * PPG, and (unless a table is configured) 127.0.0.2 is Bob and 127.0.0.3 is Alice.
 */
export function withEmbeddedDefaults(cfg: WapgateConfig): WapgateConfig {
  if (!isEmbedded(cfg)) return cfg;
  const mm1 = `http://${host(cfg.mmsc.bind)}:${cfg.mmsc.port}`;
  return {
    ...cfg,
    gateway: { ...cfg.gateway, upstream: `${mm1}/mms`, allowUpstream: [...new Set([...cfg.gateway.allowUpstream, mm1])] },
    // Pending pushes survive a restart beside the MMSC's store, unless a state file is configured.
    push: cfg.push.queue.stateFile ? cfg.push : { ...cfg.push, queue: { ...cfg.push.queue, stateFile: `${cfg.mmsc.storeDir.replace(/\/+$/, '')}.ppg-pending.json` } },
    identity:
      cfg.identity.static.length || cfg.identity.staticFile
        ? cfg.identity
        : { ...cfg.identity, static: DEMO_SUBSCRIBERS.map(({ cidr, msisdn }) => ({ cidr, msisdn })) },
  };
}

/** What to type to play Bob and Alice against the embedded default (printed by `serve`). */
export function demoInstructions(cfg: WapgateConfig): string {
  const gw = `${host(cfg.gateway.bind)}:${cfg.gateway.coPort}`;
  const mms = cfg.gateway.upstream ?? `http://127.0.0.1:${cfg.mmsc.port}/mms`;
  return [
    'wapgate is running with the reference MMSC in-process. Play the seed flow in two more terminals:',
    `  Alice:  npx wapgate phone receive --gateway ${gw} --bind 127.0.0.3 --push-port 2948 --out /tmp/alice --count 1`,
    `  Bob:    npx wapgate phone send-mms --gateway ${gw} --bind 127.0.0.2 --mmsc ${mms} --to +15550000002 --subject Hello FILE...`,
    '(127.0.0.2 is Bob, +15550000001; 127.0.0.3 is Alice, +15550000002 — the gateway tells the MMSC who sent.)',
  ].join('\n');
}
