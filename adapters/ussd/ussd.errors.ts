import type { Texts } from './ussd.texts';

/**
 * The one place that words what went wrong, as one END line: GraphQL's extensions.code (domain error
 * codes as schema/errors.ts publishes them) to text the caller understands. Anything unexpected is the
 * generic "Service temporarily unavailable" line; the GraphQL layer has already logged it.
 */
export function errorLine(code: string, t: Texts, contractCode = ''): string {
  switch (code) {
    case 'INVALID_TRANSITION':
      return t.notNow(contractCode || '-');
    case 'NOT_FOUND':
      return t.notFound;
    case 'FORBIDDEN':
      return t.forbidden;
    case 'BAD_USER_INPUT':
      return t.badInput;
    case 'CONFLICT':
    case 'RATE_LIMITED':
      return t.busy;
    case 'PIN_LOCKED':
      return t.pinLockedNow;
    case 'PIN_WEAK':
      return t.pinWeak;
    default:
      return t.unavailable;
  }
}

/** An idempotent command that found its work already done (extensions.notices): says so in one END line. */
export function alreadyDoneLine(what: 'accept' | 'deliver' | 'report', t: Texts, contractCode: string): string {
  if (what === 'accept') return t.alreadyAccepted(contractCode);
  if (what === 'deliver') return t.alreadyDelivered(contractCode);
  return t.alreadyReported(contractCode);
}
