import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { createContract, errorCode } from './support/fixtures';

let app: TestApp;
const created: string[] = [];
beforeAll(async () => {
  app = await startTestApp('pagination');
  for (let i = 0; i < 105; i++) created.push((await createContract(app, { product: `Lot ${i}` })).id);
});
afterAll(() => app.close());

const page = async (first: number | null, after: string | null) =>
  (
    await app.gql(
      'query($f: Int, $a: String) { contracts(first: $f, after: $a) { totalCount pageInfo { hasNextPage endCursor } nodes { id } } }',
      { f: first, a: after },
      ADMIN_KEY,
    )
  ).body;

test('pages walk every contract once, newest first, with a stable cursor', async () => {
  const seen: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const body = await page(40, after);
    const c = body.data.contracts;
    expect(c.totalCount).toBe(105);
    seen.push(...c.nodes.map((n: { id: string }) => n.id));
    pages++;
    if (!c.pageInfo.hasNextPage) break;
    after = c.pageInfo.endCursor;
  }
  expect(pages).toBe(3);
  expect(seen).toEqual([...created].reverse());
});

test('first is at most 100 and defaults to 20; above 100, a bad cursor or negative first is BAD_USER_INPUT', async () => {
  expect((await page(100, null)).data.contracts.nodes).toHaveLength(100);
  expect(errorCode(await page(500, null))).toBe('BAD_USER_INPUT');
  expect((await page(null, null)).data.contracts.nodes).toHaveLength(20);
  expect(errorCode(await page(10, 'garbage'))).toBe('BAD_USER_INPUT');
  expect(errorCode(await page(-1, null))).toBe('BAD_USER_INPUT');
});

test('a page of 100 contracts with their parties and payments takes a handful of SQL queries, not hundreds', async () => {
  const knex = app.running.orm.em.getConnection().getKnex();
  let queries = 0;
  const count = () => queries++;
  knex.on('query', count);
  try {
    const res = await app.gql(
      '{ contracts(first: 100) { nodes { code parties { phoneNumber role } payments { amount } disputes { id } } } }',
      {},
      ADMIN_KEY,
    );
    expect(res.body.data.contracts.nodes).toHaveLength(100);
    expect(res.body.data.contracts.nodes[0].parties).toHaveLength(2);
  } finally {
    knex.removeListener('query', count);
  }
  expect(queries).toBeLessThanOrEqual(6); // page + count + parties + payments + disputes
});

test('status and phone filters narrow the list; payments is a connection too', async () => {
  const pending = (
    await app.gql('{ contracts(status: [PENDING], phoneNumber: "0712345678", first: 1) { totalCount } }', {}, ADMIN_KEY)
  ).body;
  expect(pending.data.contracts.totalCount).toBe(105);
  const none = (await app.gql('{ contracts(status: [ACTIVE]) { totalCount nodes { id } } }', {}, ADMIN_KEY)).body;
  expect(none.data.contracts).toEqual({ totalCount: 0, nodes: [] });
  const payments = (
    await app.gql('{ payments(status: [LOCKED]) { totalCount pageInfo { hasNextPage } } }', {}, ADMIN_KEY)
  ).body;
  expect(payments.data.payments).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false } });
});
