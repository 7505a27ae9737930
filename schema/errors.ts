import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, type ErrorCode } from '../src/common/errors';
import type { Logger } from '../src/common/logger';
import { isDependencyUnavailable } from '../src/common/unavailable';

/** Domain codes as clients see them: the *_NOT_FOUND family is NOT_FOUND. The one mapping for GraphQL. */
const PUBLIC_CODE: Record<ErrorCode, string> = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  CONTRACT_NOT_FOUND: 'NOT_FOUND',
  PAYMENT_NOT_FOUND: 'NOT_FOUND',
  DISPUTE_NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  CONFLICT: 'CONFLICT',
  RATE_LIMITED: 'RATE_LIMITED',
  PROVIDER_ERROR: 'PROVIDER_ERROR',
  PIN_REQUIRED: 'PIN_REQUIRED',
  PIN_INVALID: 'PIN_INVALID',
  PIN_LOCKED: 'PIN_LOCKED',
  PIN_NOT_SET: 'PIN_NOT_SET',
  PIN_WEAK: 'PIN_WEAK',
};

export function formatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        path: formatted.path,
        extensions: {
          code: PUBLIC_CODE[original.code],
          ...(original.code.endsWith('_NOT_FOUND') ? { reason: original.code } : {}),
          ...(original.details ?? {}),
        },
      };
    }
    // GraphQLErrors are made on purpose (bad query, bad variables, limits, authentication): safe to show.
    const code = formatted.extensions?.code;
    if (original instanceof GraphQLError && typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      return {
        message: formatted.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { ...formatted.extensions, code },
      };
    }
    // The database is down or restarting: the client may try again; it is not told why (no driver message).
    if (isDependencyUnavailable(original)) {
      logger.warn({ err: original, path: formatted.path }, 'GraphQL request failed: a dependency is unavailable');
      return {
        message: 'Service temporarily unavailable, try again shortly',
        path: formatted.path,
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      };
    }
    // Anything else is our fault: log it whole, show nothing of it (no SQL, no stack).
    logger.error({ err: original, path: formatted.path }, 'unexpected GraphQL error');
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
