/**
 * The admission gate the MethodHandler consults before a method runs: draining (refuseNew(), shutdown or a
 * worker stopping) refuses every new method with 503; otherwise the client policy (allow/deny lists, per-IP
 * rate limits, src/identity/policy.ts) decides.
 */
import type { Admission, AdmissionGate, ClientPolicy, Service } from './hooks.ts';

export class GatewayAdmission implements AdmissionGate {
  private draining = false;

  constructor(private readonly policy: ClientPolicy | undefined) {}

  /** From now on every new method is refused (503); methods already admitted finish. */
  drain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  admit(clientIp: string, service: Service, now: number): Admission {
    if (this.draining) return 'draining';
    return this.policy?.admit(clientIp, service, now) ?? 'ok';
  }
}
