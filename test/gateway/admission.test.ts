/** The admission gate the MethodHandler consults (issue 13: a seam, not a replaced handler.handle). */
import { describe, expect, it } from 'vitest';
import { GatewayAdmission } from '../../src/gateway/admission.ts';
import type { ClientPolicy } from '../../src/gateway/hooks.ts';

describe('GatewayAdmission', () => {
  it('asks the client policy until draining; then refuses everything as draining', () => {
    const asked: string[] = [];
    const policy: ClientPolicy = {
      admit: (ip) => {
        asked.push(ip);
        return ip === '10.0.0.9' ? 'deny' : ip === '10.0.0.8' ? 'rate-limited' : 'ok';
      },
    };
    const gate = new GatewayAdmission(policy);
    expect(['10.0.0.1', '10.0.0.8', '10.0.0.9'].map((ip) => gate.admit(ip, 'cl', 0))).toEqual(['ok', 'rate-limited', 'deny']);
    gate.drain();
    expect(gate.isDraining).toBe(true);
    expect(gate.admit('10.0.0.1', 'co', 0)).toBe('draining');
    expect(asked).toHaveLength(3);
    expect(new GatewayAdmission(undefined).admit('10.0.0.1', 'co', 0)).toBe('ok');
  });
});
