import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { domainOf, ensurePin, TEST_PIN } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER, errorCode, loginAs, SELLER } from './support/fixtures';
import { confirmedContract, FAST, fundAndWaitLocked, statusOf } from './support/money-flow';
import { phoneActor } from '../src/auth/actor';
import { Payment, PaymentKind } from '../src/payment/payment.entity';

/** Issue 11: lots release what they are worth at once, through the real workers and the sandbox provider. */
let app: TestApp;
let buyerToken: string;
beforeAll(async () => {
  app = await startTestApp('escrow_lots', { ...FAST, PAYMENT_PROVIDER: 'sandbox' }, 'all');
  buyerToken = await loginAs(app, BUYER);
  await ensurePin(app, BUYER);
});
afterAll(() => app.close());

const wait = <T>(f: () => Promise<T | false>) => eventually(f, { what: 'the workers' });

const ESCROW = `escrow { currency deposited released refunded fees held payingOut
  payments { kind status amount receipt deliveryId } }`;

async function escrowOf(contractId: string, token = ADMIN_KEY) {
  const res = await app.gql(`query($id: ID!) { contract(id: $id) { status ${ESCROW} } }`, { id: contractId }, token);
  expect(res.body.errors).toBeUndefined();
  return res.body.data.contract as { status: string; escrow: any };
}

async function lot(contractId: string, quantity: string, idempotencyKey?: string) {
  return app.gql(
    `mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { id kind quantity acceptedQuantity acceptedAt } }`,
    { i: { contractId, kind: 'PARTIAL', quantity, idempotencyKey, pin: TEST_PIN } },
    buyerToken,
  );
}

const payouts = (contractId: string) =>
  app.running.orm.em
    .fork()
    .find(Payment, { contract: contractId, kind: { $ne: PaymentKind.DEPOSIT } }, { orderBy: { createdAt: 'asc' } });

async function activeContract(totalAmount: string, quantity = '10') {
  const c = await confirmedContract(app, { buyer: BUYER, seller: SELLER, totalAmount, quantity });
  await fundAndWaitLocked(app, c.id, wait);
  return c;
}

/** Waits until every decided payout of the contract is settled, and returns the account. */
async function settled(contractId: string) {
  return wait(async () => {
    const e = await escrowOf(contractId);
    return e.escrow.payingOut === '0.00' && e;
  });
}

test('4 + 6 bags of 10: the buyer pays for 4 at once, the rest stays held; the last lot releases exactly what remains', async () => {
  const c = await activeContract('3000');
  const first = await lot(c.id, '4');
  expect(first.body.errors).toBeUndefined();
  expect(first.body.data.confirmDelivery).toMatchObject({ kind: 'PARTIAL', quantity: '4', acceptedQuantity: '4' });
  expect(first.body.data.confirmDelivery.acceptedAt).not.toBeNull();

  const afterFirst = await settled(c.id);
  expect(afterFirst.status).toBe('ACTIVE');
  expect(afterFirst.escrow).toMatchObject({
    deposited: '3000.00',
    released: '1200.00',
    refunded: '0.00',
    held: '1800.00',
  });

  expect((await lot(c.id, '6')).body.errors).toBeUndefined();
  const done = await settled(c.id);
  expect(done.status).toBe('COMPLETED');
  expect(done.escrow).toMatchObject({ deposited: '3000.00', released: '3000.00', held: '0.00', fees: '0.00' });
  // One payment per movement, each with its M-Pesa receipt: the deposit in, two releases out.
  const rows = done.escrow.payments;
  expect(rows.map((p: any) => [p.kind, p.status, p.amount])).toEqual([
    ['DEPOSIT', 'SETTLED', '3000.00'],
    ['RELEASE', 'RELEASED', '1200.00'],
    ['RELEASE', 'RELEASED', '1800.00'],
  ]);
  for (const p of rows) expect(p.receipt).toMatch(/^[A-Z0-9]{10}$/);
  expect(rows[1].deliveryId).toBe(first.body.data.confirmDelivery.id);
  // The seller's texts name each amount.
  await wait(async () => {
    const texts = (app.running.sms as any).sent.filter((m: any) => m.to === SELLER).map((m: any) => m.text);
    return (
      texts.some((t: string) => t.includes(`${c.code}: KES 1,200 has been paid`)) &&
      texts.some((t: string) => t.includes(`${c.code}: KES 1,800 has been paid`))
    );
  });
});

test('3 + 3 + 4 bags of 10 for KES 1,001: whole shillings rounded down until the last lot, summing to the deposit', async () => {
  const c = await activeContract('1001');
  for (const q of ['3', '3', '4']) expect((await lot(c.id, q)).body.errors).toBeUndefined();
  const done = await settled(c.id);
  expect(done.status).toBe('COMPLETED');
  const releases = (await payouts(c.id)).map((p) => p.amount);
  expect(releases).toEqual(['300.00', '300.00', '401.00']);
  expect(done.escrow).toMatchObject({ deposited: '1001.00', released: '1001.00', held: '0.00' });
});

test('a lot replayed and sent twice at once releases once; a lot above what is due is refused', async () => {
  const c = await activeContract('3000');
  const [a, b] = await Promise.all([lot(c.id, '4', 'ussd-abc-1'), lot(c.id, '4', 'ussd-abc-1')]);
  expect(a.body.errors).toBeUndefined();
  expect(b.body.errors).toBeUndefined();
  expect(a.body.data.confirmDelivery.id).toBe(b.body.data.confirmDelivery.id);
  const notices = [a, b].map((r) => r.body.extensions?.notices?.[0]).filter(Boolean);
  expect(notices).toEqual([expect.stringMatching(/already recorded/)]);
  const again = await lot(c.id, '4', 'ussd-abc-1');
  expect(again.body.data.confirmDelivery.id).toBe(a.body.data.confirmDelivery.id);
  expect((await payouts(c.id)).map((p) => p.amount)).toEqual(['1200.00']);

  const tooMany = await lot(c.id, '7');
  expect(errorCode(tooMany.body)).toBe('BAD_USER_INPUT');
  expect(tooMany.body.errors[0].message).toMatch(/at most the 6 bags still due/);
  // Two different lots at once that together exceed what is due: the contract lock lets one through.
  const both = await Promise.all([lot(c.id, '4'), lot(c.id, '4')]);
  expect(both.filter((r) => !r.body.errors)).toHaveLength(1);
  expect(both.filter((r) => errorCode(r.body) === 'BAD_USER_INPUT')).toHaveLength(1);
  const e = await settled(c.id);
  expect(e.escrow).toMatchObject({ released: '2400.00', held: '600.00' });
  expect(await statusOf(app, c.id)).toBe('ACTIVE');
});

test("a seller's lot waits for the buyer; the buyer's full confirmation then releases exactly what remains", async () => {
  const c = await activeContract('2500');
  const { value: reported } = await domainOf(app).deliveries.confirm(phoneActor(SELLER), {
    contractId: c.id,
    kind: 'PARTIAL' as never,
    quantity: '5',
  });
  expect(reported.acceptedAt ?? null).toBeNull();
  expect(await payouts(c.id)).toHaveLength(0);
  expect((await lot(c.id, '2.5')).body.errors).toBeUndefined();
  await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
    pin: await ensurePin(app, BUYER),
    contractId: c.id,
    kind: 'FULL' as never,
  });
  const done = await settled(c.id);
  expect(done.status).toBe('COMPLETED');
  expect((await payouts(c.id)).map((p) => p.amount)).toEqual(['625.00', '1875.00']);
  expect(done.escrow).toMatchObject({ released: '2500.00', held: '0.00' });
});

test('a dispute splits: the admin releases part of what is held to the seller, the rest goes back to the buyer', async () => {
  const c = await activeContract('3000');
  await lot(c.id, '4');
  await settled(c.id);
  const { value: dispute } = await domainOf(app).disputes.report(phoneActor(BUYER), {
    contractId: c.id,
    reason: 'POOR_QUALITY' as never,
  });
  const resolve = (i: Record<string, unknown>) =>
    app.gql(
      'mutation($i: ResolveDisputeInput!) { resolveDispute(input: $i) { status outcome releaseAmount } }',
      { i: { disputeId: dispute.id, ...i } },
      ADMIN_KEY,
    );
  expect(errorCode((await resolve({ releaseAmount: '1800.01' })).body)).toBe('BAD_USER_INPUT');
  expect(errorCode((await resolve({ releaseAmount: '-5' })).body)).toBe('BAD_USER_INPUT');
  expect(errorCode((await resolve({})).body)).toBe('BAD_USER_INPUT');
  const [r1, r2] = await Promise.all([resolve({ releaseAmount: '800' }), resolve({ releaseAmount: '800' })]);
  for (const r of [r1, r2])
    expect(r.body.data.resolveDispute).toEqual({ status: 'RESOLVED', outcome: 'SPLIT', releaseAmount: '800.00' });
  expect(errorCode((await resolve({ releaseAmount: '100' })).body)).toBe('CONFLICT');

  const done = await settled(c.id);
  expect(done.status).toBe('COMPLETED');
  expect(done.escrow).toMatchObject({ deposited: '3000.00', released: '2000.00', refunded: '1000.00', held: '0.00' });
  expect((await payouts(c.id)).map((p) => [p.kind, p.status, p.amount])).toEqual([
    ['RELEASE', 'RELEASED', '1200.00'],
    ['RELEASE', 'RELEASED', '800.00'],
    ['REFUND', 'REFUNDED', '1000.00'],
  ]);
});

test('the two ends of a split keep their names: all to the buyer is a refund, nothing held left is cancelled', async () => {
  const c = await activeContract('3000');
  const { value: dispute } = await domainOf(app).disputes.report(phoneActor(SELLER), {
    contractId: c.id,
    reason: 'PAYMENT_PROBLEM' as never,
  });
  const r = await app.gql(
    'mutation($i: ResolveDisputeInput!) { resolveDispute(input: $i) { outcome releaseAmount } }',
    { i: { disputeId: dispute.id, releaseAmount: '0' } },
    ADMIN_KEY,
  );
  expect(r.body.data.resolveDispute).toEqual({ outcome: 'REFUND_TO_BUYER', releaseAmount: '0.00' });
  const done = await settled(c.id);
  expect(done.status).toBe('CANCELLED');
  expect(done.escrow).toMatchObject({ refunded: '3000.00', released: '0.00', held: '0.00' });
});
