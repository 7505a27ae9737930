import { formatEatDateTime } from '../src/common/east-africa-time';
import { gsm7Length, isGsm7 } from '../src/common/gsm7';
import { text, type TextKey } from '../src/notification/notification.texts';
import { Language } from '../src/profile/profile.entity';
import { Payment, PaymentKind } from '../src/payment/payment.entity';
import { phoneActor } from '../src/auth/actor';
import type { DevSmsSender } from '../adapters/sms/dev-sms.sender';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { domainOf, ensurePin, passDeadline as passDeadlineOf, TEST_PIN } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER, errorCode, loginAs, SELLER } from './support/fixtures';
import { confirmedContract, FAST, fundAndWaitLocked, statusOf } from './support/money-flow';

describe('the texts of the deadline and of the warnings', () => {
  const long = {
    code: 'VP-7K3Q9D',
    qty: '1250.5',
    unit: 'crates-of-twenty-kg',
    money: 'KES 9,999,999,999,999.99',
    ussd: '*384*12345#',
    product: 'Maïs “grade A” — Kitale 🌽 '.repeat(3).slice(0, 60),
    name: 'Otieno Odhiambo wa Nyanza Mkubwa Sana Kabisa na Familia Yake Yote ya Kisumu Town',
    at: '28 Nov, 14:05',
  };
  const keys: TextKey[] = ['overdueBuyer', 'overdueSeller', 'releaseWarning', 'refundWarning', 'deadlineExtended'];
  test.each(keys)('%s fits one GSM-7 SMS in English and Kiswahili, keeping the amount and the date', (key) => {
    for (const lang of [Language.EN, Language.SW]) {
      const t = text(key, lang, long);
      expect(isGsm7(t)).toBe(true);
      expect(gsm7Length(t)).toBeLessThanOrEqual(160);
      expect(t).toContain('VP-7K3Q9D');
      expect(t).toContain('28 Nov, 14:05');
      if (key !== 'overdueBuyer' && key !== 'deadlineExtended') expect(t).toContain('KES 9,999,999,999,999.99');
    }
  });
  test('the release warning reads as the issue asks, in both languages', () => {
    const v = { code: 'VP-7K3Q9D', money: 'KES 3,500', name: 'Otieno', at: '8 Dec, 14:00', ussd: '*384*1234#' };
    expect(text('releaseWarning', Language.EN, v)).toBe(
      'VoicePact VP-7K3Q9D: KES 3,500 goes to Otieno on 8 Dec, 14:00 unless you report a problem: dial *384*1234#',
    );
    expect(text('releaseWarning', Language.SW, v)).toBe(
      'VoicePact VP-7K3Q9D: KES 3,500 italipwa kwa Otieno 8 Dec, 14:00 usiporipoti tatizo: piga *384*1234#',
    );
  });
});

describe('the delivery deadline, through the real workers and the sandbox', () => {
  let app: TestApp;
  let buyerToken: string;
  beforeAll(async () => {
    app = await startTestApp(
      'escrow_deadline',
      {
        ...FAST,
        PAYMENT_PROVIDER: 'sandbox',
        RECONCILE_EVERY_SECONDS: '0.2',
        DELIVERY_GRACE_SECONDS: '2',
        // The seller's warning is due one second before the refund; the buyer's one second before a window ends.
        RELEASE_WARNING_HOURS: String(1 / 3600),
        ESCROW_RELEASE_HOURS: String(2 / 3600),
      },
      'all',
    );
    buyerToken = await loginAs(app, BUYER);
    await ensurePin(app, BUYER);
    await domainOf(app).profiles.setLanguage(phoneActor(SELLER), Language.SW);
  });
  afterAll(() => app.close());

  const wait = <T>(f: () => Promise<T | false>, what = 'the workers') => eventually(f, { what, timeoutMs: 20_000 });
  const textsTo = (phone: string, code: string) =>
    (app.running.sms as DevSmsSender).sent.filter((m) => m.to === phone && m.text.includes(code)).map((m) => m.text);
  const refunds = (contractId: string) =>
    app.running.orm.em.fork().find(Payment, { contract: contractId, kind: PaymentKind.REFUND });
  const gql = (q: string, id: string, token = buyerToken, pin: string | null = TEST_PIN) =>
    app.gql(q, { id, pin }, token);
  const EXTEND = 'mutation($id: ID!) { extendDeliveryDeadline(contractId: $id) { status deliveryDeadline } }';
  const REFUND = 'mutation($id: ID!, $pin: String) { refundUndelivered(contractId: $id, pin: $pin) { status } }';

  async function activeContract(totalAmount = '3000') {
    const c = await confirmedContract(app, { buyer: BUYER, seller: SELLER, totalAmount, quantity: '10' });
    await fundAndWaitLocked(app, c.id, wait);
    return c;
  }
  const passDeadline = (contractId: string, agoMs = 1) => passDeadlineOf(app, contractId, agoMs);
  async function escrowOf(contractId: string) {
    const res = await app.gql(
      'query($id: ID!) { contract(id: $id) { status escrow { deposited released refunded held payingOut } } }',
      { id: contractId },
      ADMIN_KEY,
    );
    return res.body.data.contract;
  }

  test('4 of 10 bags delivered, the other 6 never come: both are told, the seller warned, the rest refunded once', async () => {
    const c = await activeContract();
    await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
      pin: await ensurePin(app, BUYER),
      contractId: c.id,
      kind: 'PARTIAL' as never,
      quantity: '4',
    });
    await passDeadline(c.id);
    const done = await wait(async () => {
      const e = await escrowOf(c.id);
      return e.escrow.payingOut === '0.00' && e.escrow.refunded !== '0.00' && e;
    }, 'the deadline refund');
    expect(done).toEqual({
      status: 'COMPLETED',
      escrow: { deposited: '3000.00', released: '1200.00', refunded: '1800.00', held: '0.00', payingOut: '0.00' },
    });
    expect((await refunds(c.id)).map((p) => [p.status, p.amount])).toEqual([['REFUNDED', '1800.00']]);
    // The buyer (English) and the seller (Kiswahili) heard of the deadline; the seller was warned before the refund.
    await wait(async () => textsTo(BUYER, c.code).some((t) => /6 bags Maize not delivered in time/.test(t)));
    await wait(async () => textsTo(SELLER, c.code).some((t) => /muda umepita, 6 bags Maize hazijafika/.test(t)));
    await wait(async () =>
      textsTo(SELLER, c.code).some((t) => /KES 1,800 itarudishwa kwa mnunuzi .* usipopeleka 6 bags/.test(t)),
    );
    await wait(async () => textsTo(BUYER, c.code).some((t) => t.includes('KES 1,800 has been refunded')));
    // Running the sweep and the job again changes nothing.
    expect((await domainOf(app).escrow.refundAfterGrace(c.id)).changed).toBe(false);
    expect(await refunds(c.id)).toHaveLength(1);
  });

  test('nothing delivered: the whole deposit goes back and the contract is CANCELLED', async () => {
    const c = await activeContract('2000');
    await passDeadline(c.id);
    await wait(async () => (await refunds(c.id)).some((p) => p.status === 'REFUNDED'), 'the refund');
    expect(await statusOf(app, c.id)).toBe('CANCELLED');
    expect((await escrowOf(c.id)).escrow).toMatchObject({ refunded: '2000.00', held: '0.00' });
  });

  test('the buyer extends 7 days: no refund; extending again before the new deadline changes nothing', async () => {
    const c = await activeContract();
    // Just past: the refund is due after DELIVERY_GRACE_SECONDS (2 s). (Passed longer ago, the sweeper could refund
    // before the buyer's extension arrives: seen once under load.)
    await passDeadline(c.id, 1);
    expect(errorCode((await gql(EXTEND, c.id, ADMIN_KEY)).body)).toBe('FORBIDDEN');
    const res = await gql(EXTEND, c.id);
    expect(res.body.errors).toBeUndefined();
    const deadline = new Date(res.body.data.extendDeliveryDeadline.deliveryDeadline);
    expect(deadline.getTime()).toBeGreaterThan(Date.now() + 6.9 * 86_400_000);
    const again = await gql(EXTEND, c.id);
    expect(again.body.extensions.notices[0]).toMatch(/delivery deadline of .* is /);
    // The seller (Kiswahili) is told the new date, once.
    const told = (t: string) => t.includes('mnunuzi amekuongezea muda hadi');
    await wait(async () => textsTo(SELLER, c.code).some(told), 'the extension SMS');
    expect(textsTo(SELLER, c.code).filter(told)).toEqual([
      `VoicePact ${c.code}: mnunuzi amekuongezea muda hadi ${formatEatDateTime(deadline)} kupeleka 10 bags Maize.`,
    ]);
    const outcome = await domainOf(app).escrow.refundAfterGrace(c.id);
    expect(outcome.changed).toBe(false);
    expect(await refunds(c.id)).toHaveLength(0);
    expect(await statusOf(app, c.id)).toBe('ACTIVE');
  });

  test('the buyer asks for the refund of what was not delivered: once, and only after the deadline', async () => {
    const c = await activeContract();
    expect(errorCode((await gql(REFUND, c.id)).body)).toBe('INVALID_TRANSITION'); // the seller may still deliver
    await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
      pin: await ensurePin(app, BUYER),
      contractId: c.id,
      kind: 'PARTIAL' as never,
      quantity: '5',
    });
    await passDeadline(c.id, 1);
    const seller = await loginAs(app, SELLER);
    expect(errorCode((await gql(REFUND, c.id, seller)).body)).toBe('FORBIDDEN');
    // Money out of escrow: the buyer's PIN, as for a release.
    expect(errorCode((await gql(REFUND, c.id, buyerToken, null)).body)).toBe('PIN_REQUIRED');
    expect(await statusOf(app, c.id)).toBe('ACTIVE');
    const [a, b] = await Promise.all([gql(REFUND, c.id), gql(REFUND, c.id)]);
    for (const r of [a, b]) expect(r.body.data.refundUndelivered.status).toBe('COMPLETED');
    expect([a, b].filter((r) => r.body.extensions?.notices)).toHaveLength(1);
    await wait(async () => (await refunds(c.id)).some((p) => p.status === 'REFUNDED'), 'the refund');
    expect((await refunds(c.id)).map((p) => p.amount)).toEqual(['1500.00']);
  });

  test('an open dispute holds the deadline refund', async () => {
    const c = await activeContract();
    await domainOf(app).disputes.report(phoneActor(SELLER), { contractId: c.id, reason: 'OTHER' as never });
    await passDeadline(c.id, 60_000);
    expect((await domainOf(app).escrow.refundAfterGrace(c.id)).notice).toMatch(/DISPUTED/);
    expect(await domainOf(app).escrow.noticeDeadline(c.id)).toBe(false);
    expect(await refunds(c.id)).toHaveLength(0);
  });

  test("the buyer is warned before a seller's report is accepted by itself, with the amount and the seller's name (the fixture's)", async () => {
    const c = await activeContract('3500');
    await domainOf(app).deliveries.confirm(phoneActor(SELLER), { contractId: c.id, kind: 'FULL' as never });
    await wait(async () =>
      textsTo(BUYER, c.code).some((t) =>
        /: KES 3,500 goes to Seller on .* unless you report a problem: dial \*384\*1234#$/.test(t),
      ),
    );
    await wait(async () => (await statusOf(app, c.id)) === 'COMPLETED', 'the release window');
  });
});
