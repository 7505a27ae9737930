import type { DevSmsSender } from '../adapters/sms/dev-sms.sender';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { domainOf, fundAndLock } from './support/drive';
import { BUYER, createContract, errorCode, loginAs, SELLER, STRANGER } from './support/fixtures';

let app: TestApp;
let partnerA: string;
let partnerB: string;
let buyer: string;
let stranger: string;
let contractOfA: { id: string; code: string };
let contractOfAdmin: { id: string; code: string };

beforeAll(async () => {
  app = await startTestApp('authz');
  partnerA = (await domainOf(app).auth.createPartner('Agro Co-op')).apiKey;
  partnerB = (await domainOf(app).auth.createPartner('Other Partner')).apiKey;
  [buyer, stranger] = await Promise.all([loginAs(app, BUYER), loginAs(app, STRANGER)]);
  contractOfA = await createContract(app, {}, partnerA);
  contractOfAdmin = await createContract(app, { product: 'Beans' });
});
afterAll(() => app.close());

const read = (id: string, token?: string) =>
  app.gql(`query($id: ID!) { contract(id: $id) { id product } }`, { id }, token);
const list = async (token: string) =>
  (await app.gql('{ contracts(first: 100) { totalCount nodes { id } } }', {}, token)).body.data.contracts;

test('strangers without a token get UNAUTHENTICATED; a bad token gets 401', async () => {
  expect(errorCode((await read(contractOfA.id)).body)).toBe('UNAUTHENTICATED');
  expect(errorCode((await app.gql('{ contracts { totalCount } }')).body)).toBe('UNAUTHENTICATED');
  const bad = await read(contractOfA.id, 'vps_not-a-real-token');
  expect(bad.status).toBe(401);
  expect(errorCode(bad.body)).toBe('UNAUTHENTICATED');
});

test('the admin sees everything', async () => {
  const ids = (await list(ADMIN_KEY)).nodes.map((n: { id: string }) => n.id);
  expect(ids).toEqual(expect.arrayContaining([contractOfA.id, contractOfAdmin.id]));
});

test('a partner sees only the contracts it created, and another partner cannot tell they exist', async () => {
  expect((await list(partnerA)).nodes.map((n: { id: string }) => n.id)).toEqual([contractOfA.id]);
  expect((await list(partnerB)).totalCount).toBe(0);
  expect(errorCode((await read(contractOfA.id, partnerB)).body)).toBe('NOT_FOUND');
  expect(errorCode((await read(contractOfAdmin.code, partnerA)).body)).toBe('NOT_FOUND');
});

test("a phone sees contracts where it is a party, and reading someone else's contract is NOT_FOUND", async () => {
  expect((await read(contractOfA.code, buyer)).body.data.contract.id).toBe(contractOfA.id);
  expect((await list(stranger)).totalCount).toBe(0);
  const res = await read(contractOfA.id, stranger);
  expect(errorCode(res.body)).toBe('NOT_FOUND');
  expect(res.body.data).toBeNull();
  // Filtering by another phone number does not widen what a phone may see.
  const filtered = await app.gql(
    'query($p: String) { contracts(phoneNumber: $p) { totalCount } }',
    { p: BUYER },
    stranger,
  );
  expect(filtered.body.data.contracts.totalCount).toBe(0);
});

test('a phone counts exactly what it sees, and a list that does not ask for the count still pages', async () => {
  const mine = await list(buyer);
  expect(mine.nodes.map((n: { id: string }) => n.id)).toEqual(
    expect.arrayContaining([contractOfA.id, contractOfAdmin.id]),
  );
  expect(mine.totalCount).toBe(mine.nodes.length);
  const twice = (
    await app.gql('{ contracts(first: 1) { a: totalCount b: totalCount pageInfo { hasNextPage } } }', {}, buyer)
  ).body.data.contracts;
  expect(twice).toEqual({ a: mine.totalCount, b: mine.totalCount, pageInfo: { hasNextPage: mine.totalCount > 1 } });
  expect((await app.gql('{ payments { totalCount nodes { id } } }', {}, stranger)).body.data.payments).toEqual({
    totalCount: 0,
    nodes: [],
  });
});

test('a phone acts only as its own party', async () => {
  const seller = await loginAs(app, SELLER);
  const accept = (token: string) =>
    app.gql(
      'mutation($id: ID!) { acceptContract(contractId: $id) { status parties { phoneNumber acceptedAt } } }',
      { id: contractOfAdmin.id },
      token,
    );
  const res = await accept(seller);
  const parties = res.body.data.acceptContract.parties;
  expect(parties.find((p: any) => p.phoneNumber === SELLER).acceptedAt).toBeTruthy();
  expect(parties.find((p: any) => p.phoneNumber === BUYER).acceptedAt).toBeNull();
  expect(errorCode((await accept(stranger)).body)).toBe('NOT_FOUND');
  expect(errorCode((await accept(ADMIN_KEY)).body)).toBe('FORBIDDEN');
  expect(errorCode((await accept(partnerA)).body)).toBe('NOT_FOUND');
});

test('only an admin resolves disputes; a phone can create only contracts it is party to', async () => {
  const res = await app.gql(
    'mutation { resolveDispute(input: { disputeId: "00000000-0000-0000-0000-000000000000", outcome: REFUND_TO_BUYER }) { id } }',
    {},
    partnerA,
  );
  expect(errorCode(res.body)).toBe('FORBIDDEN');
  const own = await app.gql(
    'mutation($i: CreateContractInput!) { createContract(input: $i) { status parties { phoneNumber acceptedAt } } }',
    {
      i: {
        product: 'Tea',
        quantity: '1',
        unit: 'kg',
        totalAmount: '100',
        parties: [
          { phoneNumber: STRANGER, role: 'BUYER' },
          { phoneNumber: SELLER, role: 'SELLER' },
        ],
      },
    },
    stranger,
  );
  expect(own.body.data.createContract.parties.find((p: any) => p.phoneNumber === STRANGER).acceptedAt).toBeTruthy();
  const foreign = await app.gql(
    'mutation($i: CreateContractInput!) { createContract(input: $i) { id } }',
    {
      i: {
        product: 'Tea',
        quantity: '1',
        unit: 'kg',
        totalAmount: '100',
        parties: [
          { phoneNumber: BUYER, role: 'BUYER' },
          { phoneNumber: SELLER, role: 'SELLER' },
        ],
      },
    },
    stranger,
  );
  expect(errorCode(foreign.body)).toBe('FORBIDDEN');
});

test('login codes: a wrong code is refused, codes are single-use, and the token is a phone session', async () => {
  await app.gql('mutation { requestLoginCode(phoneNumber: "0711000999") }');
  const wrong = await app.gql('mutation { verifyLoginCode(phoneNumber: "+254711000999", code: "000000") { token } }');
  // 1 in a million that 000000 is the real code: then this test would see a token and fail loudly.
  expect(errorCode(wrong.body)).toBe('UNAUTHENTICATED');
  const token = await loginAs(app, '+254711000999');
  expect((await app.gql('{ viewer { phoneNumber language } }', {}, token)).body.data.viewer).toEqual({
    phoneNumber: '+254711000999',
    language: 'EN',
  });
  expect(
    (await app.gql('mutation { setLanguage(language: SW) { language } }', {}, token)).body.data.setLanguage.language,
  ).toBe('SW');
  expect(errorCode((await app.gql('mutation { setLanguage(language: SW) { language } }', {}, ADMIN_KEY)).body)).toBe(
    'FORBIDDEN',
  );
  // The next code arrives in Kiswahili, and still signs the phone in.
  expect(await loginAs(app, '+254711000999')).toMatch(/^vps_/);
  const last = [...(app.running.sms as DevSmsSender).sent].reverse().find((m) => m.to === '+254711000999')!;
  expect(last.text).toMatch(/^Nambari yako ya VoicePact ni \d{6}\./);
});

test("a page of payments brings each payment's contract, as the caller may see it", async () => {
  const seller = await loginAs(app, SELLER);
  const deals = [await createContract(app, { product: 'Sesame' }), await createContract(app, { product: 'Millet' })];
  for (const deal of deals) {
    for (const token of [buyer, seller])
      await app.gql('mutation($id: ID!) { acceptContract(contractId: $id) { id } }', { id: deal.id }, token);
    await fundAndLock(app, deal.id);
  }
  const page = (
    await app.gql(
      '{ payments(first: 10) { nodes { status contract { code product parties { phoneNumber } } } } }',
      {},
      buyer,
    )
  ).body;
  expect(page.errors).toBeUndefined();
  expect(page.data.payments.nodes).toEqual(
    [...deals].reverse().map((d, i) => ({
      status: 'LOCKED',
      contract: {
        code: d.code,
        product: ['Millet', 'Sesame'][i],
        parties: expect.arrayContaining([{ phoneNumber: BUYER }, { phoneNumber: SELLER }]),
      },
    })),
  );
  expect((await app.gql('{ payments { nodes { id } } }', {}, stranger)).body.data.payments.nodes).toEqual([]);
});
