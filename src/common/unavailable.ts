/**
 * Whether an error means a dependency could not be reached (the database stopped, restarting, or its connection
 * dropped) rather than a bug: transports answer "unavailable, try again" for these instead of an internal error.
 * The driver's errors arrive wrapped (MikroORM, knex), so the cause chain is searched.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTCONN']);
// PostgreSQL SQLSTATE class 08 (connection exception) and 57P01-57P03 (shutdown, crash, starting up).
const SQLSTATE = /^(08\d{3}|57P0[1-3])$/;
const MESSAGES =
  /Connection terminated|Timeout acquiring a connection|the database system is (starting up|shutting down|in recovery mode)|Client has encountered a connection error/i;

export function isDependencyUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; depth++) {
    const x = e as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof x.code === 'string' && (NETWORK_CODES.has(x.code) || SQLSTATE.test(x.code))) return true;
    if (x.name === 'KnexTimeoutError') return true;
    if (typeof x.message === 'string' && MESSAGES.test(x.message)) return true;
    // AggregateError (a connection attempt over several addresses) carries the causes in `errors`.
    if (Array.isArray(x.errors) && x.errors.some(isDependencyUnavailable)) return true;
    e = x.cause;
  }
  return false;
}
