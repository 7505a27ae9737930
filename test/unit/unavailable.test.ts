import { isDependencyUnavailable } from '../../src/common/unavailable';

/** What GraphQL answers SERVICE_UNAVAILABLE for (the fault suite stops a real PostgreSQL; these are its shapes). */
test('a database that cannot be reached is unavailable, wrapped or not', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  expect(isDependencyUnavailable(refused)).toBe(true);
  expect(isDependencyUnavailable(new Error('query failed', { cause: refused }))).toBe(true);
  expect(isDependencyUnavailable(new AggregateError([refused], 'connect failed'))).toBe(true);
  expect(isDependencyUnavailable(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(true);
  expect(isDependencyUnavailable(Object.assign(new Error('starting up'), { code: '57P03' }))).toBe(true);
  expect(isDependencyUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(isDependencyUnavailable(Object.assign(new Error('x'), { name: 'KnexTimeoutError' }))).toBe(true);
});

test('bugs and constraint violations are not', () => {
  expect(isDependencyUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
  expect(isDependencyUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  expect(isDependencyUnavailable(Object.assign(new Error('syntax error'), { code: '42601' }))).toBe(false);
  expect(isDependencyUnavailable(undefined)).toBe(false);
});
