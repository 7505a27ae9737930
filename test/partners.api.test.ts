import type { LookupAddress } from 'node:dns';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { domainOf, fundAndLock } from './support/drive';
import { BUYER, contractInput, createContract, errorCode, loginAs, SELLER, STRANGER } from './support/fixtures';
import { confirmedContract } from './support/money-flow';
import { startReceiver } from './support/webhook-receiver';
import type { Actor } from '../src/auth/actor';
import { Contract } from '../src/contract/contract.entity';
import { createDomain } from '../src/domain';
import { ContractService } from '../src/contract/contract.service';
import { IdempotencyKey } from '../src/idempotency/idempotency-key.entity';
import { idempotent } from '../src/idempotency/idempotency.service';
import { WebhookAttempt } from '../src/webhook/webhook-attempt.entity';
import { WebhookEvent } from '../src/webhook/webhook-event.entity';
import { isPublicAddress } from '../src/webhook/webhook.http';

/** The API alone (no workers): production checks, idempotency, receipts, history and finding contracts. */
let app: TestApp;
let keyA: string;
let keyB: string;
let partnerA: Actor;
beforeAll(async () => {
  app = await startTestApp('partners_api');
  const created = await domainOf(app).auth.createPartner('Agro Dealer App');
  keyA = created.apiKey;
  partnerA = { kind: 'partner', partnerId: created.partner.id };
  keyB = (await domainOf(app).auth.createPartner('Other Co-op')).apiKey;
});
afterAll(() => app.close());

describe('SSRF safety in production', () => {
  const PUBLIC = '93.184.216.34';
  let dns: Record<string, string[]> = {};
  const resolveHost = async (host: string): Promise<LookupAddress[]> => {
    const found = dns[host];
    if (!found) throw new Error(`getaddrinfo ENOTFOUND ${host}`);
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  // The service as production builds it: strict checks, with names resolved by this test.
  const production = () =>
    createDomain(app.running.orm.em.fork(), {
      ...app.running.domainDeps,
      config: { ...app.running.config, NODE_ENV: 'production' },
      resolveHost,
    });

  test('plain http and private, loopback and link-local addresses are refused at registration', async () => {
    dns = {
      'hooks.partner.example': [PUBLIC],
      'internal.partner.example': ['10.0.0.7'],
      'localhost.partner.example': ['127.0.0.1'],
      'mixed.partner.example': [PUBLIC, '192.168.1.20'],
      'v6.partner.example': ['fd00::1'],
    };
    const refused = [
      'http://hooks.partner.example/webhooks',
      'https://127.0.0.1/hooks',
      'https://10.1.2.3/hooks',
      'https://172.16.0.1/hooks',
      'https://192.168.0.10/hooks',
      'https://169.254.169.254/latest/meta-data',
      'https://100.64.0.1/hooks',
      'https://0.0.0.0/hooks',
      'https://[::1]/hooks',
      'https://[fe80::1]/hooks',
      'https://[::ffff:127.0.0.1]/hooks',
      'https://internal.partner.example/hooks',
      'https://localhost.partner.example/hooks',
      'https://mixed.partner.example/hooks',
      'https://v6.partner.example/hooks',
      'https://nowhere.partner.example/hooks',
      'ftp://hooks.partner.example/hooks',
    ];
    for (const url of refused)
      await expect(production().webhooks.create(partnerA, { url })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    const ok = await production().webhooks.create(partnerA, { url: 'https://hooks.partner.example/webhooks' });
    expect(ok.endpoint.url).toBe('https://hooks.partner.example/webhooks');
    await domainOf(app).webhooks.delete(partnerA, ok.endpoint.id);
    expect(['8.8.8.8', '2606:4700:4700::1111'].every(isPublicAddress)).toBe(true);
    expect(['127.0.0.1', '10.0.0.1', '::1', 'fe80::1', '::ffff:10.0.0.1', 'not an ip'].some(isPublicAddress)).toBe(
      false,
    );
  });

  test('a name that points to a private address by the time of delivery is refused before any connection', async () => {
    const receiver = await startReceiver(); // on loopback: production must never reach it
    try {
      dns = { 'rebind.partner.example': [PUBLIC] };
      const url = `https://rebind.partner.example:${new URL(receiver.url).port}/hooks`;
      const { endpoint } = await production().webhooks.create(partnerA, { url });
      dns = { 'rebind.partner.example': ['127.0.0.1'] }; // DNS rebinding after registration
      const c = await domainOf(app).contracts.create(partnerA, { ...contractInput(), deliveryDeadline: null } as never);
      const event = await app.running.orm.em.fork().findOneOrFail(WebhookEvent, { contractId: c.id });
      expect(await production().webhookDeliveries.fanOut(event.id)).toBe(1);
      await production().webhookDeliveries.pump(endpoint.id, c.id); // what the pump job runs
      const [attempt] = await app.running.orm.em.fork().find(WebhookAttempt, { endpointId: endpoint.id });
      expect(attempt).toMatchObject({ eventId: event.id, succeeded: false, statusCode: null });
      expect(attempt!.error).toMatch(/127\.0\.0\.1, a private or local address/);
      expect(receiver.received).toEqual([]);
      await domainOf(app).webhooks.delete(partnerA, endpoint.id);
    } finally {
      await receiver.close();
    }
  });
});

test('outside production a name goes through the same lookup to the address it resolved to', async () => {
  const receiver = await startReceiver();
  try {
    const dev = () =>
      createDomain(app.running.orm.em.fork(), {
        ...app.running.domainDeps,
        resolveHost: async (host) => (host === 'receiver.partner.test' ? [{ address: '127.0.0.1', family: 4 }] : []),
      });
    const url = `http://receiver.partner.test:${new URL(receiver.url).port}/hooks`;
    const { endpoint, secret } = await dev().webhooks.create(partnerA, { url });
    const c = await dev().contracts.create(partnerA, { ...contractInput(), deliveryDeadline: null } as never);
    await dev().webhookDeliveries.pump(endpoint.id, c.id);
    expect(receiver.received.map((r) => r.body.type)).toEqual(['contract.created']);
    expect(receiver.received[0]!.headers.host).toBe(`receiver.partner.test:${new URL(receiver.url).port}`);
    expect(secret).toMatch(/^whsec_/);
    await dev().webhooks.delete(partnerA, endpoint.id);
  } finally {
    await receiver.close();
  }
});

test('a redirect is not followed, and at most 4 KB of an answer is read', async () => {
  const elsewhere = await startReceiver();
  const redirecting = await startReceiver(() => 307, { headers: { location: elsewhere.url } });
  const talkative = await startReceiver(() => 200, { body: 'x'.repeat(1_000_000) });
  try {
    const attemptsAt = async (url: string) => {
      const { endpoint } = await domainOf(app).webhooks.create(partnerA, { url });
      const c = await domainOf(app).contracts.create(partnerA, { ...contractInput(), deliveryDeadline: null } as never);
      await domainOf(app).webhookDeliveries.pump(endpoint.id, c.id);
      const rows = await app.running.orm.em.fork().find(WebhookAttempt, { endpointId: endpoint.id });
      await domainOf(app).webhooks.delete(partnerA, endpoint.id);
      return rows;
    };
    const [redirected] = await attemptsAt(redirecting.url);
    expect(redirected).toMatchObject({ succeeded: false, statusCode: 307 });
    expect(elsewhere.received).toEqual([]);
    const [long] = await attemptsAt(talkative.url);
    expect(long).toMatchObject({ succeeded: true, statusCode: 200 });
    expect(long!.responseBody!.length).toBe(4096);
  } finally {
    await Promise.all([elsewhere.close(), redirecting.close(), talkative.close()]);
  }
});

describe('idempotency', () => {
  const create = (key: string, idempotencyKey: string, overrides: Record<string, unknown> = {}) =>
    app.gql(
      `mutation($input: CreateContractInput!) { createContract(input: $input) { id code product } }`,
      {
        input: {
          product: 'Maize',
          quantity: '50',
          unit: 'bags',
          totalAmount: '2500',
          parties: [
            { phoneNumber: BUYER, role: 'BUYER' },
            { phoneNumber: SELLER, role: 'SELLER' },
          ],
          idempotencyKey,
          ...overrides,
        },
      },
      key,
    );
  const count = () => app.running.orm.em.fork().count(Contract, {});

  test('createContract: the same key and input returns the first contract; other input is a CONFLICT', async () => {
    const before = await count();
    const first = await create(keyA, 'order-1001');
    const again = await create(keyA, 'order-1001');
    expect(again.body.data.createContract).toEqual(first.body.data.createContract);
    expect(await count()).toBe(before + 1);
    const changed = await create(keyA, 'order-1001', { product: 'Beans' });
    expect(errorCode(changed.body)).toBe('CONFLICT');
    // Keys belong to their caller: another partner's same key is its own request.
    const other = await create(keyB, 'order-1001');
    expect(other.body.data.createContract.id).not.toBe(first.body.data.createContract.id);
    expect(await count()).toBe(before + 2);
    // Racing retries create one contract.
    const raced = await Promise.all([
      create(keyA, 'order-1002'),
      create(keyA, 'order-1002'),
      create(keyA, 'order-1002'),
    ]);
    expect(new Set(raced.map((r) => r.body.data.createContract.id)).size).toBe(1);
    expect(await count()).toBe(before + 3);
    // A request that failed is not remembered: fixed, the same key goes through.
    expect(errorCode((await create(keyA, 'order-1003', { totalAmount: '-1' })).body)).toBe('BAD_USER_INPUT');
    expect((await create(keyA, 'order-1003')).body.data.createContract.id).toBeDefined();
  });

  test('the key and what it created commit together: a failure after creating leaves neither', async () => {
    const before = await count();
    const ctx = { ...app.running.domainDeps, em: app.running.orm.em.fork(), now: () => new Date() };
    const attempt = idempotent(
      ctx,
      partnerA,
      'createContract',
      'order-crash',
      { n: 1 },
      (em) =>
        new ContractService({ ...ctx, em }).create(partnerA, { ...contractInput(), deliveryDeadline: null } as never),
      () => {
        throw new Error('crashed after creating');
      },
      async () => {
        throw new Error('not a replay');
      },
    );
    await expect(attempt).rejects.toThrow('crashed after creating');
    expect(await count()).toBe(before);
    expect(await app.running.orm.em.fork().count(IdempotencyKey, { key: 'order-crash' })).toBe(0);
  });

  test('fundEscrow: the same key returns the first payment; the same key for another contract is a CONFLICT', async () => {
    const fund = (contractId: string, idempotencyKey: string) =>
      app.gql(
        'mutation($id: ID!, $k: String) { fundEscrow(contractId: $id, idempotencyKey: $k) { id status } }',
        { id: contractId, k: idempotencyKey },
        ADMIN_KEY,
      );
    const c1 = await confirmedContract(app);
    const c2 = await confirmedContract(app);
    const first = await fund(c1.id, 'pay-1');
    expect(first.body.errors).toBeUndefined();
    const again = await fund(c1.id, 'pay-1');
    expect(again.body.data.fundEscrow.id).toBe(first.body.data.fundEscrow.id);
    expect(again.body.extensions?.notices).toBeUndefined(); // the first result itself, not a second attempt
    expect(errorCode((await fund(c2.id, 'pay-1')).body)).toBe('CONFLICT');
  });
});

describe('receipts, history and finding contracts', () => {
  test("M-Pesa receipts and a contract's history are visible to its parties, its partner and admins only", async () => {
    const c = await createContract(app, { totalAmount: '2500' }, keyA);
    const phone = domainOf(app);
    for (const p of [BUYER, SELLER]) await phone.contracts.accept({ kind: 'phone', phone: p, via: 'session' }, c.id);
    const paymentId = await fundAndLock(app, c.id);
    const q = `query($id: ID!) { contract(id: $id) { payments { id depositReceipt payoutReceipt }
      history { actor action subject fromState toState details createdAt } } }`;
    const buyer = await loginAs(app, BUYER);
    const stranger = await loginAs(app, STRANGER);
    for (const token of [keyA, buyer, ADMIN_KEY]) {
      const res = await app.gql(q, { id: c.id }, token);
      expect(res.body.errors).toBeUndefined();
      const { payments, history } = res.body.data.contract;
      expect(payments).toEqual([
        { id: paymentId, depositReceipt: `RCPT${paymentId.slice(0, 6)}`, payoutReceipt: null },
      ]);
      expect(history.map((h: { action: string; toState: string }) => `${h.action}:${h.toState ?? ''}`)).toEqual([
        'created:PENDING',
        'accepted:',
        'accepted:',
        'status:CONFIRMED',
        'deposit-requested:PENDING',
        'deposit-locked:LOCKED',
        'status:ACTIVE',
      ]);
      expect(history[0].actor).toMatch(/^partner:/);
      expect(history[1].actor).toBe(BUYER);
    }
    for (const token of [keyB, stranger])
      expect(errorCode((await app.gql(q, { id: c.id }, token)).body)).toBe('NOT_FOUND');
  });

  test('contracts filter by role, creation date range and text in the product or the code, newest first', async () => {
    const key = (await domainOf(app).auth.createPartner('Finder')).apiKey;
    const beans = await createContract(app, { product: 'Beans' }, key);
    const since = new Date();
    const maize = await createContract(app, { product: 'Yellow maize' }, key);
    const swapped = await createContract(
      app,
      {
        product: 'Maize flour',
        parties: [
          { phoneNumber: SELLER, role: 'BUYER' },
          { phoneNumber: BUYER, role: 'SELLER' },
        ],
      },
      key,
    );
    const find = async (args: string) => {
      const res = await app.gql(`{ contracts(${args}) { totalCount nodes { id } } }`, {}, key);
      if (res.body.errors) return errorCode(res.body);
      return res.body.data.contracts.nodes.map((n: { id: string }) => n.id);
    };
    expect(await find('search: "MAIZE"')).toEqual([swapped.id, maize.id]);
    expect(await find(`search: "${beans.code.slice(3)}"`)).toEqual([beans.id]);
    expect(await find('search: "%"')).toEqual([]);
    expect(await find(`role: SELLER, phoneNumber: "${BUYER}"`)).toEqual([swapped.id]);
    expect(await find(`role: BUYER, phoneNumber: "${BUYER}"`)).toEqual([maize.id, beans.id]);
    expect(await find(`createdAfter: "${since.toISOString()}"`)).toEqual([swapped.id, maize.id]);
    expect(await find(`createdBefore: "${since.toISOString()}"`)).toEqual([beans.id]);
    expect(await find(`createdAfter: "${since.toISOString()}", search: "flour"`)).toEqual([swapped.id]);
    expect(await find('role: BUYER')).toBe('BAD_USER_INPUT'); // whose role? a partner must name the phone
    // A phone filters by its own role.
    const seller = await loginAs(app, SELLER);
    const mine = await app.gql(`{ contracts(role: BUYER, search: "flour") { nodes { id } } }`, {}, seller);
    expect(mine.body.data.contracts.nodes).toEqual([{ id: swapped.id }]);
  });
});
