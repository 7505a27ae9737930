import { phoneActor } from '../src/auth/actor';
import type { DevSmsSender } from '../adapters/sms/dev-sms.sender';
import { Payment, PaymentKind } from '../src/payment/payment.entity';
import type { FakeMpesaServer } from './fakes/fake-mpesa.server';
import { ADMIN_KEY, type TestApp } from './support/app';
import { domainOf, ensurePin } from './support/drive';
import { eventually } from './support/eventually';
import { loginAs } from './support/fixtures';
import { auditCount, confirmedContract, statusOf } from './support/money-flow';
import { B2C_PATH, postCallback, startMpesaApp, STK_PATH } from './support/mpesa-app';
import { newPhone, setLanguageVia } from './support/ussd-fixtures';
import { ussd } from './support/ussd-tester';

/**
 * Issue 11: a deposit above M-Pesa's per-transaction limit (KES 250,000 here, as in production, and in the fake,
 * which refuses more) is collected in parts, one STK prompt after the other; the contract is ACTIVE once all are in.
 * A 1% fee paid by the buyer: KES 600,000 is a deposit of 606,000, so 250,000 + 250,000 + 106,000.
 */
let app: TestApp;
let fake: FakeMpesaServer;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ app, fake, close } = await startMpesaApp('dep_parts', {
    MPESA_MAX_TRANSACTION_KES: '250000',
    ESCROW_FEE_PERCENT: '1',
    USSD_RATE_LIMIT_PER_MINUTE: '0',
  }));
});
afterAll(() => close());
afterEach(async () => {
  fake.duplicateCallbacks = false;
  await fake.releaseCallbacks();
});

const wait = <T>(f: () => Promise<T | false>, what = 'the deposit parts') => eventually(f, { what, timeoutMs: 20_000 });
const newDeal = () => ({ buyer: newPhone(), seller: newPhone(), totalAmount: '600000' });
/** The STK pushes M-Pesa received for a contract, by amount, in order. */
const prompts = (code: string) =>
  fake
    .requestsTo(STK_PATH)
    .filter((r) => r.body.AccountReference === code)
    .map((r) => r.body.Amount);
const depositsOf = (contractId: string) =>
  app.running.orm.em
    .fork()
    .find(Payment, { contract: contractId, kind: PaymentKind.DEPOSIT }, { orderBy: { createdAt: 'asc', id: 'asc' } });
const lockedCount = async (contractId: string) =>
  (await depositsOf(contractId)).filter((p) => p.status === 'LOCKED').length;
/** Waits for the k-th prompt of the contract, its result held back by the fake. */
const promptShown = (code: string, k: number) =>
  wait(async () => prompts(code).length === k && fake.heldCount === 1, `prompt ${k}`);

/** A deal whose first part is paid and whose second is on the buyer's phone, its callbacks held. */
async function firstPartInSecondPrompted() {
  const deal = newDeal();
  const c = await confirmedContract(app, deal);
  fake.holdCallbacks();
  await domainOf(app).payments.fundEscrow(phoneActor(deal.buyer), c.id);
  await promptShown(c.code, 1);
  await fake.deliverHeld(1);
  await promptShown(c.code, 2);
  return { deal, c };
}

async function escrowOf(contractId: string) {
  const res = await app.gql(
    `query($id: ID!) { contract(id: $id) { status escrow { deposited released refunded fees held depositParts
      depositPartsPaid payments { kind status amount receipt depositPart depositParts } } } }`,
    { id: contractId },
    ADMIN_KEY,
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.contract;
}

test('KES 600,000: three prompts one after the other, each once; ACTIVE only after the third; the release goes out in parts', async () => {
  const deal = newDeal();
  const c = await confirmedContract(app, deal);
  expect((await escrowOf(c.id)).escrow).toMatchObject({ depositParts: 3, depositPartsPaid: 0 });
  fake.holdCallbacks(); // the buyer answers each prompt when the test says so
  await ussd(app.url)
    .dial(deal.buyer)
    .enter('1*1')
    .expect('5. Pay KES 606,000') // the deposit: the total and the buyer's 1% fee
    .enter('5')
    .enter('1')
    .expectEnd('You will get 3 M-Pesa prompts, one after the other. Check your phone for the first: KES 250,000.');
  for (const k of [1, 2, 3]) {
    await promptShown(c.code, k); // the next prompt only once the previous one is paid
    expect(await statusOf(app, c.id)).toBe('CONFIRMED');
    await fake.deliverHeld(1);
    await wait(async () => (await lockedCount(c.id)) === k);
    expect(await statusOf(app, c.id)).toBe(k === 3 ? 'ACTIVE' : 'CONFIRMED');
  }
  expect(prompts(c.code)).toEqual([250000, 250000, 106000]);
  const rows = await depositsOf(c.id);
  expect(rows.map((p) => [p.depositPart, p.depositParts, p.amount, p.status])).toEqual([
    [1, 3, '250000.00', 'LOCKED'],
    [2, 3, '250000.00', 'LOCKED'],
    [3, 3, '106000.00', 'LOCKED'],
  ]);
  expect(new Set(rows.map((p) => p.depositReceipt)).size).toBe(3);
  for (const p of rows) expect(await auditCount(app, p.id, 'deposit-locked')).toBe(1);
  expect((await escrowOf(c.id)).escrow).toMatchObject({
    deposited: '606000.00',
    held: '606000.00',
    depositParts: 3,
    depositPartsPaid: 3,
  });

  // The buyer confirms the delivery: 600,000 to the seller in B2C parts, the buyer's 6,000 fee share kept.
  await domainOf(app).deliveries.confirm(phoneActor(deal.buyer), {
    contractId: c.id,
    kind: 'FULL' as never,
    pin: await ensurePin(app, deal.buyer),
  });
  await fake.releaseCallbacks();
  await wait(async () => (await statusOf(app, c.id)) === 'COMPLETED' && (await escrowOf(c.id)).escrow.held === '0.00');
  const after = await escrowOf(c.id);
  expect(after.escrow).toMatchObject({ deposited: '606000.00', released: '600000.00', fees: '6000.00', held: '0.00' });
  const releases = after.escrow.payments.filter((p: { kind: string }) => p.kind === 'RELEASE');
  expect(releases.map((p: { amount: string }) => p.amount).sort()).toEqual(['100000.00', '250000.00', '250000.00']);
  expect(releases.every((p: { status: string; receipt: string }) => p.status === 'RELEASED' && p.receipt)).toBe(true);
  expect((await depositsOf(c.id)).every((p) => p.status === 'SETTLED')).toBe(true);
  expect(prompts(c.code)).toHaveLength(3);
});

test('a part the buyer cancels is paid again on its own: the parts paid are never prompted again', async () => {
  const deal = newDeal();
  const c = await confirmedContract(app, deal);
  fake.holdCallbacks();
  await domainOf(app).payments.fundEscrow(phoneActor(deal.buyer), c.id);
  await promptShown(c.code, 1);
  fake.failResultsNext(1, 1032); // the second prompt: "Request cancelled by user"
  await fake.deliverHeld(1);
  await promptShown(c.code, 2);
  await fake.deliverHeld(1);
  await wait(async () => (await depositsOf(c.id)).map((p) => p.status).join() === 'LOCKED,FAILED');
  expect(await statusOf(app, c.id)).toBe('CONFIRMED'); // 250,000 of 606,000 in: not ACTIVE
  expect((await escrowOf(c.id)).escrow).toMatchObject({ deposited: '250000.00', depositParts: 3, depositPartsPaid: 1 });

  // The buyer pays again through USSD, in Kiswahili: the two prompts still to come, the first of them part 2.
  await setLanguageVia(app, await loginAs(app, deal.buyer), 'SW');
  await ussd(app.url)
    .dial(deal.buyer)
    .enter('1*1')
    .expect('5. Lipa KES 356,000') // what the deposit still lacks: 606,000 less the 250,000 in
    .enter('5')
    .enter('1')
    .expectEnd('Utapata maombi 2 ya M-Pesa, moja baada ya jingine. Angalia simu yako kwa la kwanza: KES 250,000.');
  await promptShown(c.code, 3);
  // Asked again while that part is under way: the same part, no new prompt.
  const again = await domainOf(app).payments.fundEscrow(phoneActor(deal.buyer), c.id);
  expect(again.changed).toBe(false);
  expect(again.value).toMatchObject({ depositPart: 2, depositParts: 3, status: 'PENDING' });
  await fake.deliverHeld(1);
  await promptShown(c.code, 4);
  await fake.deliverHeld(1);
  await wait(async () => (await statusOf(app, c.id)) === 'ACTIVE');
  expect(prompts(c.code)).toEqual([250000, 250000, 250000, 106000]);
  expect((await depositsOf(c.id)).map((p) => [p.depositPart, p.status])).toEqual([
    [1, 'LOCKED'],
    [2, 'FAILED'],
    [2, 'LOCKED'],
    [3, 'LOCKED'],
  ]);
  const { escrow } = await escrowOf(c.id);
  expect(escrow).toMatchObject({ deposited: '606000.00', held: '606000.00', depositPartsPaid: 3 });
  // One row per movement; each collected one with its own M-Pesa receipt.
  const collected = escrow.payments.filter((p: { status: string }) => p.status === 'LOCKED');
  expect(new Set(collected.map((p: { receipt: string }) => p.receipt)).size).toBe(3);
});

test('each callback delivered twice counts once: three parts, three prompts, 606,000 deposited', async () => {
  const deal = newDeal();
  const c = await confirmedContract(app, deal);
  fake.duplicateCallbacks = true;
  await domainOf(app).payments.fundEscrow(phoneActor(deal.buyer), c.id);
  await wait(async () => (await statusOf(app, c.id)) === 'ACTIVE');
  const rows = await depositsOf(c.id);
  const stkDeliveries = () =>
    fake.deliveries.filter((d) =>
      rows.some((p) => (d.body as any).Body?.stkCallback?.CheckoutRequestID === p.depositRef),
    );
  await wait(async () => stkDeliveries().length === 6 && stkDeliveries().every((d) => d.status === 200));
  // A replay of the first part's callback once all is in changes nothing either.
  expect((await postCallback(app, 'stk', stkDeliveries()[0].body)).status).toBe(200);
  await wait(async () => (await escrowOf(c.id)).escrow.depositPartsPaid === 3);
  expect(rows.map((p) => p.status)).toEqual(['LOCKED', 'LOCKED', 'LOCKED']);
  for (const p of rows) expect(await auditCount(app, p.id, 'deposit-locked')).toBe(1);
  expect(prompts(c.code)).toEqual([250000, 250000, 106000]);
  expect((await depositsOf(c.id)).length).toBe(3);
  expect((await escrowOf(c.id)).escrow).toMatchObject({ deposited: '606000.00', held: '606000.00' });
});

test('a contract cancelled half paid refunds the parts in, and the part being paid when it arrives', async () => {
  const { deal, c } = await firstPartInSecondPrompted();
  await domainOf(app).contracts.cancel(phoneActor(deal.seller), c.id, 'changed my mind');
  await fake.releaseCallbacks(); // the buyer pays part 2 after all; the refund's result comes too
  await wait(async () => {
    const { escrow } = await escrowOf(c.id);
    return escrow.refunded === '500000.00' && escrow.held === '0.00';
  });
  const { status, escrow } = await escrowOf(c.id);
  expect(status).toBe('CANCELLED');
  expect(escrow).toMatchObject({ deposited: '500000.00', refunded: '500000.00', fees: '0.00' });
  const refunds = fake.requestsTo(B2C_PATH).filter((r) => r.body.Remarks === `Refund ${c.code}`);
  expect(refunds.map((r) => [r.body.Amount, r.body.PartyB])).toEqual([
    [250000, deal.buyer.slice(1)],
    [250000, deal.buyer.slice(1)],
  ]);
  expect(prompts(c.code)).toHaveLength(2); // the third part was never asked for
  expect((await depositsOf(c.id)).every((p) => p.status === 'SETTLED')).toBe(true);
});

test('a part that times out fails alone; its late money is not counted (support hears of it) and the part is asked for again', async () => {
  const { deal, c } = await firstPartInSecondPrompted();
  const [first, second] = await depositsOf(c.id);
  // What part 2's own deposit-timeout job does; part 1 has a timeout job of its own, which finds it paid.
  expect(await domainOf(app).deposits.expire(second.id)).toBe(true);
  expect(await domainOf(app).deposits.expire(first.id)).toBe(false);
  await fake.deliverHeld(1); // the buyer paid part 2 after all, too late
  const supportTexts = () =>
    (app.running.sms as DevSmsSender).sent.filter((m) => m.to === '+254700000999').map((m) => m.text);
  await wait(async () => supportTexts().some((t) => t.includes('no open payment holds it') && t.includes(c.code)));
  expect((await depositsOf(c.id)).map((p) => p.status)).toEqual(['LOCKED', 'FAILED']);
  expect((await escrowOf(c.id)).escrow).toMatchObject({ deposited: '250000.00', depositPartsPaid: 1 });
  expect(prompts(c.code)).toHaveLength(2); // nothing asked for part 3 on the late money

  const { value: retry } = await domainOf(app).payments.fundEscrow(phoneActor(deal.buyer), c.id);
  expect(retry).toMatchObject({ depositPart: 2, depositParts: 3, amount: '250000.00' });
  await promptShown(c.code, 3);
  expect(prompts(c.code)).toEqual([250000, 250000, 250000]);
});
