/** Who is calling. Built once per request by the transport (GraphQL context, USSD hop, job). */
export type Actor =
  | { kind: 'admin' }
  | { kind: 'partner'; partnerId: string }
  | { kind: 'phone'; phone: string; via: 'session' | 'ussd' }
  | { kind: 'system'; job: string }
  | { kind: 'anonymous' };

export const ANONYMOUS: Actor = { kind: 'anonymous' };
export const systemActor = (job: string): Actor => ({ kind: 'system', job });
export const phoneActor = (phone: string, via: 'session' | 'ussd' = 'session'): Actor => ({
  kind: 'phone',
  phone,
  via,
});

/** The label written to audit events and contracts.createdBy. */
export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'admin':
      return 'admin';
    case 'partner':
      return `partner:${actor.partnerId}`;
    case 'phone':
      return actor.phone;
    case 'system':
      return `system:${actor.job}`;
    case 'anonymous':
      return 'anonymous';
  }
}
