import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { CLIENT_MISTAKE_CODES, contractInput } from './support/fixtures';

/**
 * Issue 10, defect 1: every client mistake is a 4xx, or a 200 with errors, and each error names the problem
 * with a precise code; none is a 5xx, INTERNAL_SERVER_ERROR, SQL or a stack trace.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('badreq', { GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_COST: '1000' });
});
afterAll(() => app.close());

const CLIENT_CODES = new Set<string>(CLIENT_MISTAKE_CODES);

const CREATE = 'mutation($i: CreateContractInput!) { createContract(input: $i) { id } }';
const LIST = 'query($n: Int) { contracts(first: $n) { nodes { id } } }';

interface Bad {
  body?: unknown;
  raw?: string;
  method?: 'GET' | 'POST';
  contentType?: string;
  path?: string;
  token?: string | null;
  /** The code the first error must carry, when the case has one precise answer. */
  code?: string;
  status?: number;
}

const json = (query: string, variables?: unknown, extra: Record<string, unknown> = {}) => ({
  body: { query, variables, ...extra },
});
const aliases = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: contracts(first: 100) { nodes { id code } }`).join(' ')} }`;

const cases: Array<[string, Bad]> = [
  [
    'unknown field in a variable',
    { ...json(CREATE, { i: { ...contractInput(), colour: 'red' } }), code: 'BAD_USER_INPUT' },
  ],
  [
    'missing required field in a variable',
    { ...json(CREATE, { i: { ...contractInput(), product: undefined } }), code: 'BAD_USER_INPUT' },
  ],
  [
    'null for a non-null field',
    { ...json(CREATE, { i: { ...contractInput(), product: null } }), code: 'BAD_USER_INPUT' },
  ],
  ['null for a non-null variable', { ...json(CREATE, { i: null }), code: 'BAD_USER_INPUT' }],
  ['variables missing', { ...json(CREATE), code: 'BAD_USER_INPUT' }],
  [
    'a number for a Decimal',
    { ...json(CREATE, { i: contractInput({ totalAmount: 12000.5 }) }), code: 'BAD_USER_INPUT' },
  ],
  [
    'an object for a Decimal',
    { ...json(CREATE, { i: contractInput({ quantity: { $gt: 1 } }) }), code: 'BAD_USER_INPUT' },
  ],
  [
    'a wrong enum value',
    {
      ...json(CREATE, { i: contractInput({ parties: [{ phoneNumber: '0712345678', role: 'KING' }] }) }),
      code: 'BAD_USER_INPUT',
    },
  ],
  ['a list where an object is expected', { ...json(CREATE, { i: [contractInput()] }), code: 'BAD_USER_INPUT' }],
  ['a string for an Int', { ...json(LIST, { n: 'ten' }), code: 'BAD_USER_INPUT' }],
  ['an Int beyond 32 bits', { ...json(LIST, { n: 2 ** 40 }), code: 'BAD_USER_INPUT' }],
  ['first above the maximum (variable)', { ...json(LIST, { n: 101 }), code: 'BAD_USER_INPUT' }],
  [
    'first above the maximum (literal)',
    { ...json('{ contracts(first: 5000) { nodes { id } } }'), code: 'BAD_USER_INPUT' },
  ],
  ['first below zero', { ...json(LIST, { n: -1 }), code: 'BAD_USER_INPUT' }],
  ['an alias bomb', { ...json(aliases(200)), code: 'QUERY_TOO_COMPLEX' }],
  [
    'a fragment cycle',
    {
      ...json(
        'query { contracts { nodes { ...A } } } fragment A on Contract { payments { contract { ...B } } } fragment B on Contract { payments { contract { ...A } } }',
      ),
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
  ],
  [
    'a query too deep',
    {
      ...json(
        '{ contracts { nodes { payments { contract { payments { contract { payments { contract { id } } } } } } } } }',
      ),
      code: 'GRAPHQL_VALIDATION_FAILED',
    },
  ],
  ['an unknown field', { ...json('{ contracts { nodes { password } } }'), code: 'GRAPHQL_VALIDATION_FAILED' }],
  [
    'an undeclared variable',
    { ...json('{ contracts(first: $n) { nodes { id } } }'), code: 'GRAPHQL_VALIDATION_FAILED' },
  ],
  ['a subscription', { ...json('subscription { contracts { nodes { id } } }'), code: 'GRAPHQL_VALIDATION_FAILED' }],
  ['a syntax error', { ...json('{ contracts { '), code: 'GRAPHQL_PARSE_FAILED' }],
  ['an unknown operation name', { ...json('query A { viewer { phoneNumber } }', {}, { operationName: 'B' }) }],
  ['two operations and no name', { ...json('query A { viewer { kind } } query B { viewer { kind } }') }],
  ['a query that is not a string', { body: { query: 42 }, code: 'BAD_REQUEST' }],
  ['variables that are not an object', { body: { query: LIST, variables: 'n=5' }, code: 'BAD_REQUEST' }],
  ['no query at all', { body: {}, code: 'BAD_REQUEST' }],
  ['a batch (array body)', { body: [{ query: '{ viewer { kind } }' }] }],
  ['JSON that does not parse', { raw: '{"query": "{ viewer { kind } }"', status: 400 }],
  ['JSON with a lone surrogate in the query', { raw: '{"query": "{ viewer \\ud800 }"}' }],
  ['a body that is not JSON (text/plain)', { raw: '{ viewer { kind } }', contentType: 'text/plain' }],
  [
    'a form body',
    { raw: 'query=%7B%20viewer%20%7B%20kind%20%7D%20%7D', contentType: 'application/x-www-form-urlencoded' },
  ],
  ['a huge body', { raw: JSON.stringify({ query: `{ viewer { kind } } #${'x'.repeat(400_000)}` }), status: 413 }],
  [
    'a mutation over GET',
    {
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent('mutation { cancelContract(contractId: "VP-AAAAAA") { id } }')}`,
    },
  ],
  ['a GET without a query', { method: 'GET', path: '/graphql' }],
  ['a bad bearer token', { ...json('{ viewer { kind } }'), token: 'vps_nope', code: 'UNAUTHENTICATED' }],
  [
    'control characters in free text',
    { ...json(CREATE, { i: contractInput({ product: 'Maize\u0000\u001b[2J' }) }), code: 'BAD_USER_INPUT' },
  ],
  [
    'control characters in a note',
    {
      ...json('mutation($r: String) { cancelContract(contractId: "VP-AAAAAA", reason: $r) { id } }', {
        r: 'sorry\u0007\u0008',
      }),
      code: 'BAD_USER_INPUT',
    },
  ],
  [
    'a string where a JSON object is expected',
    { ...json(CREATE, { i: contractInput({ terms: 'grade A' }) }), code: 'BAD_USER_INPUT' },
  ],
  [
    'a date that is not a date',
    { ...json(CREATE, { i: contractInput({ deliveryDeadline: 'soon' }) }), code: 'BAD_USER_INPUT' },
  ],
  ['a fee quote for nothing', { ...json('{ feeQuote(totalAmount: "0") { feeAmount } }'), code: 'BAD_USER_INPUT' }],
  [
    'a fee quote for a number',
    { ...json('query($t: Decimal!) { feeQuote(totalAmount: $t) { feeAmount } }', { t: 3500 }), code: 'BAD_USER_INPUT' },
  ],
];

test.each(cases)('%s: a client error, never a 5xx, with a precise code', async (_name, bad) => {
  const headers: Record<string, string> = {};
  if (bad.token !== null) headers.authorization = `Bearer ${bad.token ?? ADMIN_KEY}`;
  const method = bad.method ?? 'POST';
  if (method === 'POST') headers['content-type'] = bad.contentType ?? 'application/json';
  if (method === 'GET') headers['apollo-require-preflight'] = 'true';
  const res = await fetch(`${app.url}${bad.path ?? '/graphql'}`, {
    method,
    headers,
    body: method === 'POST' ? (bad.raw ?? JSON.stringify(bad.body)) : undefined,
  });
  const text = await res.text();
  expect(res.status).toBeLessThan(500);
  if (bad.status) expect(res.status).toBe(bad.status);
  expect(text).not.toMatch(/INTERNAL_SERVER_ERROR|Internal server error|\bat \S+ \(|select |insert |stack/i);
  let body: { errors?: Array<{ message: string; extensions?: { code?: string } }>; data?: unknown } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined; // a plain-text 4xx from the HTTP layer (bad JSON, too large, wrong method)
  }
  if (body === undefined) {
    expect(res.status).toBeGreaterThanOrEqual(400);
    return;
  }
  expect(body.errors?.length).toBeGreaterThan(0);
  for (const e of body.errors ?? []) expect(CLIENT_CODES).toContain(e.extensions?.code);
  if (bad.code) expect(body.errors?.[0]?.extensions?.code).toBe(bad.code);
});

test('a request within the limits still works (the guards refuse only what they should)', async () => {
  const res = await app.gql(LIST, { n: 100 }, ADMIN_KEY);
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  const ok = await app.gql(CREATE, { i: contractInput({ product: 'Maize grade A – ½ bag' }) }, ADMIN_KEY);
  expect(ok.body.errors).toBeUndefined();
});
