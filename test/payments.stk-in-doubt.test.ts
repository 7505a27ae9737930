import { phoneActor } from '../src/auth/actor';
import type { FakeMpesaServer } from './fakes/fake-mpesa.server';
import type { TestApp } from './support/app';
import { domainOf } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER } from './support/fixtures';
import { auditCount, confirmedContract, paymentOf, statusOf } from './support/money-flow';
import { startMpesaApp, STK_PATH } from './support/mpesa-app';

/**
 * Issue 10, defect 3: an STK push whose answer comes after our HTTP client gave up did prompt the buyer. It is in
 * doubt: a retry never pushes it again. Its late callback names only M-Pesa's ids (a CheckoutRequestID we never
 * stored) and is matched by the buyer's phone and the amount; without one, the deposit times out FAILED.
 */
let app: TestApp;
let fake: FakeMpesaServer;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ app, fake, close } = await startMpesaApp('stk_doubt', {
    PROVIDER_TIMEOUT_MS: '1500',
    PAYOUT_IN_DOUBT_SECONDS: '3',
    DEPOSIT_TIMEOUT_SECONDS: '9',
  }));
});
afterAll(() => close());
afterEach(async () => {
  fake.callbackDelayMs = 0;
  await fake.releaseCallbacks();
});

const wait = <T>(f: () => Promise<T | false>) => eventually(f, { what: 'STK in doubt', timeoutMs: 25_000 });
const prompts = (code: string) => fake.requestsTo(STK_PATH).filter((r) => r.body.AccountReference === code);

test('an STK push answered after the timeout prompts once; its late callback, matched by phone and amount, locks the escrow', async () => {
  const c = await confirmedContract(app);
  fake.lateNext(1, 3500); // M-Pesa prompts the buyer at once, but answers us after 3.5 s (we wait 1.5 s)
  fake.callbackDelayMs = 5000; // the buyer enters the PIN a little later
  const { value: payment } = await domainOf(app).payments.fundEscrow(phoneActor(BUYER), c.id);
  const locked = await wait(async () => {
    const p = await paymentOf(app, c.id);
    return p.status === 'LOCKED' && p;
  });
  expect(locked.id).toBe(payment.id);
  expect(await statusOf(app, c.id)).toBe('ACTIVE');
  expect(prompts(c.code)).toHaveLength(1);
  expect(locked.depositReceipt).toMatch(/^T[0-9A-F]{9}$/);
  expect(await auditCount(app, payment.id, 'deposit-locked')).toBe(1);
});

test('an STK push in doubt whose callback never comes is not pushed again and times out FAILED', async () => {
  const c = await confirmedContract(app);
  fake.lateNext(1, 3500);
  fake.holdCallbacks(); // the buyer never answers the prompt, or Daraja never calls back
  const { value: payment } = await domainOf(app).payments.fundEscrow(phoneActor(BUYER), c.id);
  const failed = await wait(async () => {
    const p = await paymentOf(app, c.id);
    return p.status === 'FAILED' && p;
  });
  expect(failed.id).toBe(payment.id);
  expect(failed.failureReason).toMatch(/Timed out/);
  expect(prompts(c.code)).toHaveLength(1);
  expect(await statusOf(app, c.id)).toBe('CONFIRMED'); // the buyer may pay again, by asking again
});

test('an STK push that M-Pesa refused outright (5xx, nothing prompted) is pushed again by the retry', async () => {
  const c = await confirmedContract(app);
  fake.failNext(1, 503);
  await domainOf(app).payments.fundEscrow(phoneActor(BUYER), c.id);
  await wait(async () => (await paymentOf(app, c.id)).status === 'LOCKED');
  expect(prompts(c.code)).toHaveLength(2); // the first was answered 503 (nobody prompted), the retry prompted
});
