import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { createContract, errorCode } from './support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('errors', { GRAPHQL_MAX_DEPTH: '6', GRAPHQL_MAX_COST: '1000' });
});
afterAll(() => app.close());

const create = (input: Record<string, unknown>) =>
  app.gql(
    'mutation($i: CreateContractInput!) { createContract(input: $i) { id totalAmount } }',
    {
      i: {
        product: 'Maize',
        quantity: '1',
        unit: 'bag',
        totalAmount: '10',
        parties: [
          { phoneNumber: '0712345678', role: 'BUYER' },
          { phoneNumber: '0722000111', role: 'SELLER' },
        ],
        ...input,
      },
    },
    ADMIN_KEY,
  );

test.each([
  [{ totalAmount: '0' }, /greater than 0/],
  [{ totalAmount: '-5' }, /decimal number/],
  [{ totalAmount: '10.005' }, /at most two decimals/],
  [{ currency: 'KSHS' }, /3-letter/],
  [{ product: '   ' }, /must not be empty/],
  [{ product: 'x'.repeat(61) }, /at most 60/],
  [
    {
      parties: [
        { phoneNumber: '0712345678', role: 'BUYER' },
        { phoneNumber: '0712345678', role: 'SELLER' },
      ],
    },
    /only once/,
  ],
  [
    {
      parties: [
        { phoneNumber: '0712345678', role: 'BUYER' },
        { phoneNumber: '0722000111', role: 'BUYER' },
      ],
    },
    /exactly one buyer/,
  ],
  [
    {
      parties: [
        { phoneNumber: '12', role: 'BUYER' },
        { phoneNumber: '0722000111', role: 'SELLER' },
      ],
    },
    /not a valid phone/,
  ],
  [{ deliveryDeadline: '2020-01-01T00:00:00Z' }, /in the future/],
])('bad input %j is BAD_USER_INPUT with a clear message', async (input, message) => {
  const res = await create(input);
  expect(errorCode(res.body)).toBe('BAD_USER_INPUT');
  expect(res.body.errors[0].message).toMatch(message);
});

test('a float amount is refused: money travels as decimal strings', async () => {
  const res = await create({ totalAmount: 12000.5 });
  expect(errorCode(res.body)).toBe('BAD_USER_INPUT');
});

test('amounts survive exactly, to the cent, including ones floats cannot hold', async () => {
  for (const amount of ['0.10', '0.30', '9999999999999.99', '12000.50', '1234567.89']) {
    expect((await create({ totalAmount: amount })).body.data.createContract.totalAmount).toBe(amount);
  }
  expect((await create({ totalAmount: '7' })).body.data.createContract.totalAmount).toBe('7.00');
});

test('unknown contracts and malformed ids are NOT_FOUND', async () => {
  for (const id of ['00000000-0000-0000-0000-000000000000', 'VP-AAAAAA', "'; drop table contracts; --"]) {
    expect(errorCode((await app.gql('query($id: ID!) { contract(id: $id) { id } }', { id }, ADMIN_KEY)).body)).toBe(
      'NOT_FOUND',
    );
  }
});

test('a query too deep or too costly is refused before it runs', async () => {
  const deep = await app.gql(
    '{ contracts { nodes { payments { contract { payments { contract { payments { contract { id } } } } } } } } }',
    {},
    ADMIN_KEY,
  );
  expect(deep.body.errors[0].message).toMatch(/depth/);
  const costly = await app.gql(
    '{ contracts(first: 100) { nodes { parties { phoneNumber } payments { id amount status } deliveries { id } disputes { id } } } }',
    {},
    ADMIN_KEY,
  );
  expect(errorCode(costly.body)).toBe('QUERY_TOO_COMPLEX');
  expect(costly.body.errors[0].extensions.cost).toBeGreaterThan(1000);
  const modest = await app.gql(
    '{ contracts(first: 10) { nodes { parties { phoneNumber } payments { id amount status } } } }',
    {},
    ADMIN_KEY,
  );
  expect(modest.body.errors).toBeUndefined();
});

test('syntax errors are GRAPHQL_PARSE_FAILED; unexpected failures show no SQL and no stack', async () => {
  expect(errorCode((await app.gql('{ contracts { ', {}, ADMIN_KEY)).body)).toBe('GRAPHQL_PARSE_FAILED');
  const c = await createContract(app);
  // Break the database under the API: the client must learn nothing of it.
  await app.running.orm.em.fork().getConnection().execute('alter table parties rename column name to name_gone');
  try {
    const res = await app.gql(`{ contract(id: "${c.id}") { parties { name } } }`, {}, ADMIN_KEY);
    const text = JSON.stringify(res.body);
    expect(errorCode(res.body)).toBe('INTERNAL_SERVER_ERROR');
    expect(text).not.toMatch(/select|name_gone|column|stack|at \w+ \(/i);
  } finally {
    await app.running.orm.em.fork().getConnection().execute('alter table parties rename column name_gone to name');
  }
});

describe('only numbers that can pay or be paid (issue 9)', () => {
  test.each([
    ['a Nairobi landline', '0202123456', /must be a mobile number/],
    ['a US number', '+1 202 555 0100', /must be a mobile number of a country the payment provider serves \(KE\)/],
  ])('a buyer with %s is refused, saying why', async (_what, phoneNumber, message) => {
    const res = await app.gql(
      `mutation($i: CreateContractInput!) { createContract(input: $i) { id } }`,
      {
        i: {
          product: 'Maize',
          quantity: '5',
          unit: 'bags',
          totalAmount: '1000',
          parties: [
            { phoneNumber, role: 'BUYER' },
            { phoneNumber: '0722000111', role: 'SELLER' },
          ],
        },
      },
      ADMIN_KEY,
    );
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'parties.0.phoneNumber' });
    expect(res.body.errors[0].message).toMatch(message);
  });
});
