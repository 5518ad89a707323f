/** `admin:` — the admin HTTP listener (/healthz, /readyz, /metrics, /status, per-session traces). */
import * as z from 'zod';
import { group, ipAddress, key, port } from '../meta.ts';

export const adminSection = group({
  enabled: key(z.boolean().default(true), { description: 'Run the admin HTTP listener.' }),
  bind: key(ipAddress().default('127.0.0.1'), {
    description: 'Address the admin listener binds (loopback by default; it exposes internals).',
  }),
  port: key(port().default(9280), { description: 'TCP port of the admin listener.', flag: 'admin-port' }),
  username: key(z.string().optional(), {
    description: 'Basic-auth user for the admin listener (set with password to require it; /healthz stays open).',
  }),
  password: key(z.string().optional(), { description: 'Basic-auth password for the admin listener.', secret: true }),
});
