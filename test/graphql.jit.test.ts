import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { activeContract, newPhone } from './support/ussd-fixtures';

/**
 * /graphql runs an operation through graphql-js the first time and compiled (graphql-jit, schema/jit.ts) from
 * its second run (GRAPHQL_JIT_AFTER=2): every answer, data and errors alike, must be the same both ways.
 */
let app: TestApp;
let contract: { id: string; code: string };
beforeAll(async () => {
  app = await startTestApp('graphql_jit', { GRAPHQL_JIT_AFTER: '2' });
  contract = await activeContract(app, { buyer: newPhone(), seller: newPhone(), quantity: '10' });
});
afterAll(() => app.close());

const PAGE = `query Page($first: Int, $status: [ContractStatus!]) { contracts(first: $first, status: $status) {
  pageInfo { hasNextPage endCursor } totalCount
  nodes { id code product quantity unit totalAmount currency status createdAt deliveryDeadline depositAmount
    parties { phoneNumber role name acceptedAt } payments { kind amount status createdAt }
    deliveries { kind quantity } escrow { deposited held available depositLeft } quantityDue } } }`;

const cases: Array<[string, () => [string, Record<string, unknown>]]> = [
  ['a page with lists, decimals, dates and computed fields', () => [PAGE, { first: 10 }]],
  ['a page filtered by status', () => [PAGE, { first: 5, status: ['ACTIVE'] }]],
  [
    'one contract by code, with an argument on a field',
    () => [
      'query One($id: ID!, $q: Decimal) { contract(id: $id) { code releaseAmount(quantity: $q) quantityDue } }',
      { id: contract.code, q: '4' },
    ],
  ],
  ['a domain error (NOT_FOUND)', () => ['query Missing($id: ID!) { contract(id: $id) { id } }', { id: 'VP-AAAAAA' }]],
  [
    'a domain error with details (BAD_USER_INPUT above what is due)',
    () => ['query Over($id: ID!) { contract(id: $id) { releaseAmount(quantity: "11") } }', { id: contract.id }],
  ],
  ['a bad variable', () => ['query Bad($first: Int) { contracts(first: $first) { totalCount } }', { first: 'ten' }]],
  ['a refused argument (first above 100)', () => ['query Big { contracts(first: 500) { totalCount } }', {}]],
  [
    'a mutation refused by the domain',
    () => ['mutation Acc($id: ID!) { acceptContract(contractId: $id) { id } }', { id: contract.id }],
  ],
  [
    'an alias and a fragment',
    () => ['query F { a: viewer { ...V } b: viewer { kind } } fragment V on Viewer { kind }', {}],
  ],
];

test.each(cases)('%s: the same answer interpreted and compiled', async (_name, make) => {
  const [query, variables] = make();
  const answers = [];
  for (let run = 0; run < 3; run++) answers.push(await app.gql(query, variables, ADMIN_KEY));
  expect(answers[0].body.data ?? answers[0].body.errors).toBeDefined();
  expect(answers[1]).toEqual(answers[0]);
  expect(answers[2]).toEqual(answers[0]);
});

test('the page is really answered with data, and the errors carry their codes', async () => {
  const page = await app.gql(PAGE, { first: 10 }, ADMIN_KEY);
  expect(page.body.data.contracts.nodes.find((n: { id: string }) => n.id === contract.id).escrow.held).toBe('12000.50');
  const missing = await app.gql('query Missing($id: ID!) { contract(id: $id) { id } }', { id: 'VP-AAAAAA' }, ADMIN_KEY);
  expect(missing.body.errors[0].extensions.code).toBe('NOT_FOUND');
  const bad = await app.gql(
    'query Bad($first: Int) { contracts(first: $first) { totalCount } }',
    { first: 'ten' },
    ADMIN_KEY,
  );
  expect([bad.status, bad.body.errors[0].extensions.code]).toEqual([400, 'BAD_USER_INPUT']);
});
