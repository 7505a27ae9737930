import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { domainOf, ensurePin, TEST_PIN } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER, loginAs, SELLER } from './support/fixtures';
import type { DevSmsSender } from '../adapters/sms/dev-sms.sender';
import { gsm7Length, isGsm7 } from '../src/common/gsm7';
import { text } from '../src/notification/notification.texts';
import { Language } from '../src/profile/profile.entity';
import { confirmedContract, FAST, fundAndWaitLocked } from './support/money-flow';
import { pendingContract } from './support/ussd-fixtures';
import { phoneActor } from '../src/auth/actor';
import { feeFor, feeOnRelease, feeShares } from '../src/escrow/fees';
import { Decimal } from '../src/common/money';
import type { Actor } from '../src/auth/actor';

const ADMIN: Actor = { kind: 'admin' };

describe('the fee rule', () => {
  const rule = { percent: 2, minKes: 50, maxKes: 5000 };
  test('a percent of the total in whole shillings, halves up, within the minimum and the maximum', () => {
    expect(feeFor('2525', rule).toFixed(2)).toBe('51.00'); // 50.50 -> 51
    expect(feeFor('2475', rule).toFixed(2)).toBe('50.00'); // 49.50 -> 50
    expect(feeFor('1000', rule).toFixed(2)).toBe('50.00'); // 20 -> the minimum
    expect(feeFor('1000000', rule).toFixed(2)).toBe('5000.00'); // 20,000 -> the maximum
    expect(feeFor('30', rule).toFixed(2)).toBe('30.00'); // never above the total
    expect(feeFor('1000000', { percent: 0, minKes: 50, maxKes: 0 }).toFixed(2)).toBe('0.00'); // off
    expect(feeFor('1000000', { percent: 1.5, minKes: 0, maxKes: 0 }).toFixed(2)).toBe('15000.00'); // no maximum
  });
  test('shares: SPLIT gives the seller the lower half; each share is earned with the releases and sums exactly', () => {
    expect(feeShares(51, 'SPLIT')).toEqual({ buyer: new Decimal(26), seller: new Decimal(25) });
    expect(feeShares(51, 'BUYER')).toEqual({ buyer: new Decimal(51), seller: new Decimal(0) });
    const shares = feeShares(51, 'SPLIT');
    const first = feeOnRelease('2525', shares, 0, 1262);
    const rest = feeOnRelease('2525', shares, 1262, 1263);
    expect([first.buyer, first.seller, rest.buyer, rest.seller].map((d) => d.toFixed(0))).toEqual([
      '12',
      '12',
      '14',
      '13',
    ]);
  });
});

test('the text asking a party to accept shows the fee and who pays it, in one SMS in both languages', () => {
  const long = {
    code: 'VP-7K3Q9D',
    role: 'SELLER',
    qty: '1250.5',
    unit: 'crates',
    money: 'KES 9,999,999,999,999',
    fee: 'KES 5,000',
    feePayer: 'SPLIT',
    ussd: '*384*12345#',
    product: 'Maïs “grade A” — Kitale 🌽 '.repeat(3).slice(0, 60),
  };
  expect(text('createdWithFee', Language.EN, long)).toMatch(
    /, fee KES 5,000 \(half each\)\. To accept, dial \*384\*12345# and choose VP-7K3Q9D\.$/,
  );
  expect(text('createdWithFee', Language.SW, long)).toMatch(
    /ada KES 5,000 \(nusu kwa nusu\)\. Kukubali, piga \*384\*12345# uchague VP-7K3Q9D\.$/,
  );
  for (const lang of [Language.EN, Language.SW]) {
    const t = text('createdWithFee', lang, long);
    expect(isGsm7(t)).toBe(true);
    expect(gsm7Length(t)).toBeLessThanOrEqual(160);
  }
});

describe('fees through the API, the workers and the sandbox', () => {
  let app: TestApp;
  let buyer: string;
  beforeAll(async () => {
    app = await startTestApp(
      'escrow_fees',
      {
        ...FAST,
        PAYMENT_PROVIDER: 'sandbox',
        ESCROW_FEE_PERCENT: '2',
        ESCROW_FEE_MIN_KES: '50',
        ESCROW_FEE_MAX_KES: '5000',
      },
      'all',
    );
    buyer = await loginAs(app, BUYER);
    await ensurePin(app, BUYER);
  });
  afterAll(() => app.close());
  const wait = <T>(f: () => Promise<T | false>) => eventually(f, { what: 'the workers', timeoutMs: 20_000 });

  const Q = `query($id: ID!) { contract(id: $id) { status totalAmount feeAmount feePayer depositAmount
    escrow { deposited released refunded fees held payingOut payments { kind status amount } } } }`;
  const read = async (id: string) => (await app.gql(Q, { id }, ADMIN_KEY)).body.data.contract;
  const settled = (id: string) =>
    wait(async () => {
      const c = await read(id);
      return c.escrow.payingOut === '0.00' && c;
    });
  const lot = (contractId: string, quantity: string) =>
    app.gql(
      'mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { id } }',
      { i: { contractId, kind: 'PARTIAL', quantity, pin: TEST_PIN } },
      buyer,
    );
  const payments = (c: any) => c.escrow.payments.map((p: any) => [p.kind, p.status, p.amount]);

  test('paid by the buyer: shown before anyone agrees, carried by the deposit, one ledger row per release', async () => {
    // Pending until the SMS asking to accept is out: that SMS goes only to parties who have not accepted yet.
    const c = await pendingContract(app, { buyer: BUYER, seller: SELLER, totalAmount: '3000', quantity: '10' });
    expect(await read(c.id)).toMatchObject({ feeAmount: '60.00', feePayer: 'BUYER', depositAmount: '3060.00' });
    await wait(async () =>
      (app.running.sms as DevSmsSender).sent.some(
        (m) =>
          m.to === SELLER &&
          m.text.includes(`${c.code}: you are seller`) &&
          m.text.includes('fee KES 60 (paid by the buyer)'),
      ),
    );
    await domainOf(app).contracts.accept(phoneActor(BUYER), c.id);
    await domainOf(app).contracts.accept(phoneActor(SELLER), c.id);
    await fundAndWaitLocked(app, c.id, wait);
    await lot(c.id, '4');
    await lot(c.id, '6');
    const done = await settled(c.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.escrow).toMatchObject({ deposited: '3060.00', released: '3000.00', fees: '60.00', held: '0.00' });
    // Rows of one transaction share a timestamp, so the order within a release is not asserted.
    expect(payments(done).sort()).toEqual(
      [
        ['DEPOSIT', 'SETTLED', '3060.00'],
        ['FEE', 'RELEASED', '24.00'],
        ['RELEASE', 'RELEASED', '1200.00'],
        ['FEE', 'RELEASED', '36.00'],
        ['RELEASE', 'RELEASED', '1800.00'],
      ].sort(),
    );
  });

  test('paid by the seller: the deposit is the total, each payout carries the fee', async () => {
    const c = await confirmedContract(app, {
      buyer: BUYER,
      seller: SELLER,
      totalAmount: '3000',
      quantity: '10',
      feePayer: 'SELLER',
    });
    expect(await read(c.id)).toMatchObject({ feeAmount: '60.00', feePayer: 'SELLER', depositAmount: '3000.00' });
    await fundAndWaitLocked(app, c.id, wait);
    await lot(c.id, '4');
    await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
      pin: await ensurePin(app, BUYER),
      contractId: c.id,
      kind: 'FULL' as never,
    });
    const done = await settled(c.id);
    expect(done.escrow).toMatchObject({ deposited: '3000.00', released: '2940.00', fees: '60.00', held: '0.00' });
    expect(done.escrow.payments.filter((p: any) => p.kind === 'RELEASE').map((p: any) => p.amount)).toEqual([
      '1176.00',
      '1764.00',
    ]);
  });

  test('split half each with rounding; what is refunded carries no fee and the buyer gets the unspent share back', async () => {
    const c = await confirmedContract(app, {
      buyer: BUYER,
      seller: SELLER,
      totalAmount: '2525',
      quantity: '10',
      feePayer: 'SPLIT',
    });
    expect(await read(c.id)).toMatchObject({ feeAmount: '51.00', depositAmount: '2551.00' });
    await fundAndWaitLocked(app, c.id, wait);
    await lot(c.id, '5'); // 1262 of the total: 12 of the buyer's 26, 12 of the seller's 25
    await settled(c.id);
    const { value: dispute } = await domainOf(app).disputes.report(phoneActor(BUYER), {
      contractId: c.id,
      reason: 'NOT_DELIVERED' as never,
    });
    await domainOf(app).disputes.resolve(ADMIN, {
      disputeId: dispute.id,
      outcome: 'REFUND_TO_BUYER' as never,
    });
    const done = await settled(c.id);
    expect(done.status).toBe('CANCELLED');
    expect(done.escrow).toMatchObject({
      deposited: '2551.00',
      released: '1250.00',
      fees: '24.00',
      refunded: '1277.00',
      held: '0.00',
    });
  });
});
