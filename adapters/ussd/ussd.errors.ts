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

/** Codes that are an answer for the caller, not a fault of ours: not counted as errors in the metrics. */
export const EXPECTED_CODES = new Set([
  'INVALID_TRANSITION',
  'NOT_FOUND',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  'PIN_REQUIRED',
  'PIN_INVALID',
  'PIN_LOCKED',
  'PIN_NOT_SET',
  'PIN_WEAK',
]);

/** An idempotent command that found its work already done (extensions.notices): says so in one END line. */
export function alreadyDoneLine(what: 'accept' | 'deliver' | 'report', t: Texts, contractCode: string): string {
  if (what === 'accept') return t.alreadyAccepted(contractCode);
  if (what === 'deliver') return t.alreadyDelivered(contractCode);
  return t.alreadyReported(contractCode);
}
