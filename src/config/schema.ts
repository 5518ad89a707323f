/**
 * The whole configuration: one section per room (src/config/sections/<room>.ts, each owned by its area), plus
 * the rules that span keys. `WapgateConfig` is what every part of wapgate receives after loading.
 */
import * as z from 'zod';
import { adminSection } from './sections/admin.ts';
import { chargingSection } from './sections/charging.ts';
import { contentSection } from './sections/content.ts';
import { gatewaySection } from './sections/gateway.ts';
import { identitySection } from './sections/identity.ts';
import { logSection } from './sections/log.ts';
import { mmscSection } from './sections/mmsc.ts';
import { provSection } from './sections/prov.ts';
import { pushSection } from './sections/push.ts';
import { sendsmsSection } from './sections/sendsms.ts';
import { stateSection } from './sections/state.ts';
import { storeSection } from './sections/store.ts';
import { traceSection } from './sections/trace.ts';

export const SECTIONS = {
  gateway: gatewaySection,
  push: pushSection,
  identity: identitySection,
  charging: chargingSection,
  admin: adminSection,
  mmsc: mmscSection,
  log: logSection,
  trace: traceSection,
  state: stateSection,
  store: storeSection,
  sendsms: sendsmsSection,
  prov: provSection,
  content: contentSection,
};

export const configObject = z.strictObject(SECTIONS);

export const configSchema = configObject.superRefine((c, ctx) => {
  if (c.identity.radius.enabled && c.identity.radius.secret === '') {
    ctx.addIssue({
      code: 'custom',
      path: ['identity', 'radius', 'secret'],
      input: '',
      message: 'a non-empty shared secret is required when identity.radius.enabled is true',
    });
  }
  if (c.identity.radius.forward.host && c.identity.radius.forward.secret === '') {
    ctx.addIssue({
      code: 'custom',
      path: ['identity', 'radius', 'forward', 'secret'],
      input: '',
      message: 'a non-empty shared secret is required when identity.radius.forward.host is set',
    });
  }
  if ((c.admin.username === undefined) !== (c.admin.password === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['admin', c.admin.username === undefined ? 'username' : 'password'],
      input: undefined,
      message: 'admin.username and admin.password must be set together (Basic auth)',
    });
  }
  const udp = [
    ['gateway.clPort', c.gateway.clPort],
    ['gateway.coPort', c.gateway.coPort],
  ] as const;
  if (udp[0][1] !== 0 && udp[0][1] === udp[1][1]) {
    ctx.addIssue({
      code: 'custom',
      path: ['gateway', 'coPort'],
      input: c.gateway.coPort,
      message: 'gateway.coPort must differ from gateway.clPort',
    });
  }
  const tcp: [string, number, boolean][] = [
    ['push.papPort', c.push.papPort, c.push.enabled],
    ['admin.port', c.admin.port, c.admin.enabled],
    ['mmsc.port', c.mmsc.port, c.mmsc.embedded && !c.gateway.upstream],
    // Kannel's sendsms-port (on when given) and ppg-ssl-port (with the PPG): src/app/services.ts.
    ['sendsms.port', c.sendsms.port ?? 0, c.sendsms.port !== undefined],
    ['push.tls.port', c.push.tls.port ?? 0, c.push.enabled && c.push.tls.port !== undefined],
  ];
  const seen = new Map<number, string>();
  for (const [name, p, on] of tcp) {
    if (!on || p === 0) continue;
    const other = seen.get(p);
    if (other) ctx.addIssue({ code: 'custom', path: name.split('.'), input: p, message: `TCP port ${p} is already used by ${other}` });
    else seen.set(p, name);
  }
});

/** The validated configuration (durations in ms, sizes in octets, defaults filled). */
export type WapgateConfig = z.output<typeof configSchema>;
/** What a YAML file may hold: every key optional. */
export type WapgateConfigInput = z.input<typeof configSchema>;
export type SectionName = keyof typeof SECTIONS;
