import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { domainOf, ensurePin } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER, createContract, errorCode, SELLER } from './support/fixtures';
import { FAST, paymentOf, statusOf } from './support/money-flow';
import { startReceiver } from './support/webhook-receiver';
import { phoneActor } from '../src/auth/actor';
import { OutboxMessage } from '../src/outbox/outbox-message.entity';
import { Contract } from '../src/contract/contract.entity';
import { WebhookEndpoint } from '../src/webhook/webhook-endpoint.entity';
import { WebhookEvent } from '../src/webhook/webhook-event.entity';
import { DeliveryStatus, WebhookDelivery } from '../src/webhook/webhook-delivery.entity';
import { verifySignature } from '../src/webhook/webhook.signature';
import type { DevSmsSender } from '../adapters/sms/dev-sms.sender';

/** The real workers and the sandbox provider; partners' servers are small HTTP servers on loopback. */
let app: TestApp;
let keyA: string;
let keyB: string;
const SUPPORT = '+254700000999';
beforeAll(async () => {
  app = await startTestApp(
    'webhooks',
    { ...FAST, PAYMENT_PROVIDER: 'sandbox', WEBHOOK_BACKOFF_MS: '100', SUPPORT_ALERT_PHONE: SUPPORT },
    'all',
  );
  keyA = (await domainOf(app).auth.createPartner('Agro Dealer App')).apiKey;
  keyB = (await domainOf(app).auth.createPartner('Other Co-op')).apiKey;
});
afterAll(() => app.close());

const ENDPOINT = `id url events secret createdAt disabledAt`;
async function register(key: string, url: string, events?: string[]) {
  const res = await app.gql(
    `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { ${ENDPOINT} } }`,
    { i: { url, events } },
    key,
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.createWebhookEndpoint as { id: string; secret: string; events: string[] };
}
const wait = <T>(f: () => Promise<T | false> | T | false, what = 'the webhook worker') =>
  eventually(f, { what, timeoutMs: 20_000 });

test("a partner's receiver hears every step of its contract, signed, in order, the failed one again with the same id; another partner hears nothing", async () => {
  const receiverA = await startReceiver((n) => (n === 1 ? 500 : 200)); // fails the very first POST
  const receiverB = await startReceiver();
  try {
    const a = await register(keyA, receiverA.url);
    expect(a.secret).toMatch(/^whsec_/);
    expect(a.events).toEqual([]); // all of them
    await register(keyB, receiverB.url);

    const c = await createContract(app, { totalAmount: '2500' }, keyA);
    for (const phone of [BUYER, SELLER]) await domainOf(app).contracts.accept(phoneActor(phone), c.id);
    const funded = await app.gql('mutation($id: ID!) { fundEscrow(contractId: $id) { id } }', { id: c.id }, keyA);
    expect(funded.body.errors).toBeUndefined();
    await wait(async () => (await statusOf(app, c.id)) === 'ACTIVE');
    await domainOf(app).deliveries.confirm(phoneActor(SELLER), { contractId: c.id, kind: 'FULL' as never });
    await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
      contractId: c.id,
      kind: 'FULL' as never,
      pin: await ensurePin(app, BUYER),
    });
    await wait(async () => (await paymentOf(app, c.id)).status === 'RELEASED');

    const life = [
      'contract.created',
      'contract.confirmed',
      'payment.locked',
      'contract.active',
      'delivery.reported',
      'contract.completed',
      'payment.released',
    ];
    await wait(() => receiverA.received.length >= life.length + 1 && receiverA.received);
    const got = receiverA.received;
    // In order: the failed first event went again (same id) before anything that came after it.
    expect(got.map((r) => r.body.type)).toEqual([life[0], ...life]);
    expect(got[1]!.body.id).toBe(got[0]!.body.id);
    expect(new Set(got.map((r) => r.body.id)).size).toBe(life.length);
    for (const r of got) {
      expect(r.headers['voicepact-event-id']).toBe(r.body.id);
      expect(verifySignature(a.secret, r.raw, String(r.headers['voicepact-signature']))).toBe(true);
      expect(verifySignature('whsec_wrong', r.raw, String(r.headers['voicepact-signature']))).toBe(false);
      expect(r.body.data.contract).toMatchObject({ id: c.id, code: c.code });
    }
    expect(got.find((r) => r.body.type === 'contract.active')!.body.data.contract.status).toBe('ACTIVE');
    const released = got.find((r) => r.body.type === 'payment.released')!.body.data.payment;
    expect(released).toMatchObject({ status: 'RELEASED', amount: '2500.00' });
    expect(released.payoutReceipt).toMatch(/^SBX/);
    expect(receiverB.received).toEqual([]);

    // Each attempt and its answer, newest first.
    const deliveries = await app.gql(
      `query($e: ID!) { webhookDeliveries(endpointId: $e, first: 50) { totalCount
         nodes { eventId eventType attempt succeeded statusCode responseBody redelivery } } }`,
      { e: a.id },
      keyA,
    );
    const attempts = deliveries.body.data.webhookDeliveries;
    expect(attempts.totalCount).toBe(life.length + 1);
    const first = [...attempts.nodes].reverse().slice(0, 2);
    expect(first).toMatchObject([
      { eventType: 'contract.created', attempt: 1, succeeded: false, statusCode: 500, responseBody: 'try again' },
      { eventType: 'contract.created', attempt: 2, succeeded: true, statusCode: 200, responseBody: 'ok' },
    ]);
    // The other partner cannot read this endpoint's deliveries.
    const foreign = await app.gql(
      `query($e: ID!) { webhookDeliveries(endpointId: $e) { totalCount } }`,
      { e: a.id },
      keyB,
    );
    expect(errorCode(foreign.body)).toBe('NOT_FOUND');

    // Sent again on request, with the same id.
    const again = await app.gql(
      'mutation($id: ID!) { redeliverWebhookEvent(eventId: $id) { id type } }',
      { id: got[0]!.body.id },
      keyA,
    );
    expect(again.body.data.redeliverWebhookEvent).toEqual({ id: got[0]!.body.id, type: 'contract.created' });
    await wait(() => receiverA.received.length === life.length + 2);
    expect(receiverA.received.at(-1)!.body.id).toBe(got[0]!.body.id);
    const other = await app.gql(
      'mutation($id: ID!) { redeliverWebhookEvent(eventId: $id) { id } }',
      { id: got[0]!.body.id },
      keyB,
    );
    expect(errorCode(other.body)).toBe('NOT_FOUND');
    expect(receiverB.received).toEqual([]);
  } finally {
    await receiverA.close();
    await receiverB.close();
  }
});

test('a dispute refunded to the buyer and an expired contract are heard too', async () => {
  const receiver = await startReceiver();
  try {
    const key = (await domainOf(app).auth.createPartner('Dispute Partner')).apiKey;
    await register(key, receiver.url);
    const c = await createContract(app, { totalAmount: '2500' }, key);
    for (const phone of [BUYER, SELLER]) await domainOf(app).contracts.accept(phoneActor(phone), c.id);
    await app.gql('mutation($id: ID!) { fundEscrow(contractId: $id) { id } }', { id: c.id }, key);
    await wait(async () => (await statusOf(app, c.id)) === 'ACTIVE');
    const { value: dispute } = await domainOf(app).disputes.report(phoneActor(BUYER), {
      contractId: c.id,
      reason: 'NOT_DELIVERED' as never,
    });
    await domainOf(app).disputes.resolve(
      { kind: 'admin' },
      { disputeId: dispute.id, outcome: 'REFUND_TO_BUYER' as never },
    );
    await wait(async () => (await paymentOf(app, c.id)).status === 'REFUNDED');
    const lapsing = await createContract(app, { deliveryDeadline: null }, key);
    await app.running.orm.em
      .fork()
      .nativeUpdate(Contract, { id: lapsing.id }, { deliveryDeadline: new Date(Date.now() - 60_000) });
    await domainOf(app).housekeeping.expireContracts();

    const ofContract = (id: string) =>
      receiver.received.filter((r) => r.body.data.contract.id === id).map((r) => r.body.type);
    await wait(
      () => ofContract(c.id).includes('payment.refunded') && ofContract(lapsing.id).includes('contract.expired'),
    );
    expect(ofContract(c.id)).toEqual([
      'contract.created',
      'contract.confirmed',
      'payment.locked',
      'contract.active',
      'contract.disputed',
      'contract.cancelled',
      'dispute.resolved',
      'payment.refunded',
    ]);
    expect(ofContract(lapsing.id)).toEqual(['contract.created', 'contract.expired']);
  } finally {
    await receiver.close();
  }
});

test('endpoints: secret shown only at creation and rotation, stored encrypted, events filtered, partner keys only', async () => {
  const receiver = await startReceiver();
  try {
    const key = (await domainOf(app).auth.createPartner('Filter Partner')).apiKey;
    const e = await register(key, receiver.url, ['contract.cancelled']);
    const stored = await app.running.orm.em.fork().findOneOrFail(WebhookEndpoint, e.id);
    expect(stored.secretEncrypted).not.toContain(e.secret.slice(6));
    const listed = await app.gql(`{ webhookEndpoints { id secret events } }`, {}, key);
    expect(listed.body.data.webhookEndpoints).toEqual([{ id: e.id, secret: null, events: ['contract.cancelled'] }]);

    const rotated = await app.gql(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id: e.id }, key);
    const secret = rotated.body.data.rotateWebhookSecret.secret as string;
    expect(secret).not.toBe(e.secret);

    const c = await createContract(app, {}, key);
    await app.gql('mutation($id: ID!) { cancelContract(contractId: $id) { status } }', { id: c.id }, key);
    await wait(() => receiver.received.length === 1);
    const [r] = receiver.received;
    expect(r!.body.type).toBe('contract.cancelled'); // contract.created is not among its events
    expect(verifySignature(secret, r!.raw, String(r!.headers['voicepact-signature']))).toBe(true);
    expect(verifySignature(e.secret, r!.raw, String(r!.headers['voicepact-signature']))).toBe(false);

    const bad = await app.gql(
      `mutation { createWebhookEndpoint(input: { url: "${receiver.url}", events: ["contract.exploded"] }) { id } }`,
      {},
      key,
    );
    expect(errorCode(bad.body)).toBe('BAD_USER_INPUT');
    const admin = await app.gql(
      `mutation { createWebhookEndpoint(input: { url: "${receiver.url}" }) { id } }`,
      {},
      ADMIN_KEY,
    );
    expect(errorCode(admin.body)).toBe('FORBIDDEN');
    const gone = await app.gql(`mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`, { id: e.id }, key);
    expect(gone.body.data.deleteWebhookEndpoint).toBe(true);
    expect((await app.gql(`{ webhookEndpoints { id } }`, {}, key)).body.data.webhookEndpoints).toEqual([]);
  } finally {
    await receiver.close();
  }
});

test("an event refused for the whole retry window is given up, and the contract's next event then goes out", async () => {
  const receiver = await startReceiver((_n, r) => (r.body.type === 'contract.created' ? 500 : 200));
  try {
    const key = (await domainOf(app).auth.createPartner('Picky Partner')).apiKey;
    const e = await register(key, receiver.url);
    const c = await createContract(app, {}, key);
    await app.gql('mutation($id: ID!) { cancelContract(contractId: $id) { status } }', { id: c.id }, key);
    await wait(() => receiver.received.length >= 2); // retrying contract.created; contract.cancelled waits behind it
    expect(receiver.received.every((r) => r.body.type === 'contract.created')).toBe(true);
    // Its first attempt was a day ago: the next failure ends the retries.
    await app.running.orm.em
      .fork()
      .nativeUpdate(WebhookDelivery, { endpointId: e.id }, { createdAt: new Date(Date.now() - 25 * 3_600_000) });
    await wait(() => receiver.received.some((r) => r.body.type === 'contract.cancelled'));
    const delivery = await app.running.orm.em
      .fork()
      .findOneOrFail(WebhookDelivery, { endpointId: e.id, status: DeliveryStatus.GAVE_UP });
    expect(delivery.attempts).toBeGreaterThanOrEqual(2);
    expect(receiver.received.at(-1)!.body.type).toBe('contract.cancelled');
  } finally {
    await receiver.close();
  }
});

test('an endpoint failing for 24 hours is disabled and support is alerted', async () => {
  const receiver = await startReceiver(() => 503);
  try {
    const key = (await domainOf(app).auth.createPartner('Down Partner')).apiKey;
    const e = await register(key, receiver.url);
    // It has been failing since yesterday (the first failure after its last success).
    await app.running.orm.em
      .fork()
      .nativeUpdate(WebhookEndpoint, { id: e.id }, { failingSince: new Date(Date.now() - 25 * 3_600_000) });
    await createContract(app, {}, key);
    const disabled = await wait(async () => {
      const row = await app.running.orm.em.fork().findOneOrFail(WebhookEndpoint, e.id);
      return row.disabledAt ?? false;
    });
    expect(disabled).toBeInstanceOf(Date);
    expect(await app.running.orm.em.fork().count(OutboxMessage, { jobId: `webhook.disabled-${e.id}` })).toBe(1);
    const sms = app.running.sms as DevSmsSender;
    await wait(() => sms.sent.some((m) => m.to === SUPPORT && m.text.includes('disabled')), 'the support alert');
    const later = await createContract(app, {}, key);
    const event = await app.running.orm.em.fork().findOneOrFail(WebhookEvent, { contractId: later.id });
    expect(await domainOf(app).webhookDeliveries.fanOut(event.id)).toBe(0); // a disabled endpoint hears nothing more
    const listed = await app.gql(`{ webhookEndpoints { disabledAt } }`, {}, key);
    expect(listed.body.data.webhookEndpoints[0].disabledAt).not.toBeNull();
  } finally {
    await receiver.close();
  }
});
