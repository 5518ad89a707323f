/** `mmsc:` — the reference MMSC (in-process when gateway.upstream is unset, or `wapgate mmsc`). */
import * as z from 'zod';
import { duration, group, httpUrl, ipAddress, key, port, size } from '../meta.ts';

export const mmscSection = group({
  embedded: key(z.boolean().default(true), {
    description: '`wapgate serve` runs the reference MMSC in-process when gateway.upstream is unset.',
  }),
  bind: key(ipAddress().default('127.0.0.1'), { description: 'Address the MM1 HTTP server binds.' }),
  port: key(port().default(8002), { description: 'TCP port of the MM1 HTTP server (endpoint /mms).', flag: 'mmsc-port' }),
  storeDir: key(z.string().min(1).default('var/mmsc'), {
    description: 'Directory where accepted messages are stored (survives restarts).',
  }),
  maxSize: key(size().default(307_200), { description: 'Largest m-send-req accepted, in octets (or 300KB).' }),
  expiry: key(duration().default(604_800_000), { description: 'Default and longest message lifetime before purge (ms or 7d).' }),
  ppgUrl: key(httpUrl().optional(), {
    description: 'PAP URL the MMSC pushes notifications to (unset: this process’s PPG, push.papPort/papPath).',
    flag: 'ppg',
  }),
  requireMsisdn: key(z.boolean().default(false), {
    description: 'Refuse an m-send-req that lacks the X-MSISDN header the gateway injects (the sender must be known).',
  }),
  publicUrl: key(httpUrl().optional(), {
    description: 'Base URL put in Content-Location (unset: http://<bind>:<port>/mms).',
  }),
});
