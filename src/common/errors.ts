/**
 * Domain errors carry a stable code. Each transport maps codes in exactly one place:
 * GraphQL in schema/errors.ts, USSD in adapters/ussd/ussd.errors.ts.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'CONTRACT_NOT_FOUND'
  | 'PAYMENT_NOT_FOUND'
  | 'DISPUTE_NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'INVALID_TRANSITION'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'PROVIDER_ERROR'
  | 'PIN_REQUIRED'
  | 'PIN_INVALID'
  | 'PIN_LOCKED'
  | 'PIN_NOT_SET'
  | 'PIN_WEAK';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: 'Contract' | 'Payment' | 'Dispute', id: string) =>
  new DomainError(`${what.toUpperCase()}_NOT_FOUND` as ErrorCode, `${what} ${id} was not found`);

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new DomainError('BAD_USER_INPUT', message, details);

export const invalidTransition = (from: string, to: string) =>
  new DomainError('INVALID_TRANSITION', `A contract that is ${from} cannot become ${to}`, { from, to });

export const forbidden = (message = 'You may not do this') => new DomainError('FORBIDDEN', message);
