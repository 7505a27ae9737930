import type { DevSmsSender } from '../adapters/sms/dev-sms.sender';
import { parseStatusResult } from '../adapters/mpesa/mpesa.callbacks';
import { saysNotFound } from '../adapters/payments/mpesa-callback.routes';
import { phoneActor } from '../src/auth/actor';
import type { FakeMpesaServer } from './fakes/fake-mpesa.server';
import type { TestApp } from './support/app';
import { domainOf, ensurePin } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER } from './support/fixtures';
import { auditCount, confirmedContract, fundAndWaitLocked, paymentOf } from './support/money-flow';
import { B2C_PATH, startMpesaApp } from './support/mpesa-app';

/**
 * Issue 10, defect 8: a status query answer that is neither "found" nor "not found" (ResultCode 2001, the initiator
 * information is invalid) keeps the payout in doubt and alerts support. It must never be "simplified" into a resend:
 * the first B2C may have paid.
 */
let app: TestApp;
let fake: FakeMpesaServer;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ app, fake, close } = await startMpesaApp('pay_status', {
    RECONCILE_EVERY_SECONDS: '1',
    PAYOUT_ALERT_AFTER_MINUTES: '0.03',
  }));
});
afterAll(() => close());

const wait = <T>(f: () => Promise<T | false>) => eventually(f, { what: 'status query flow', timeoutMs: 20_000 });
const STATUS_PATH = '/mpesa/transactionstatus/v1/query';
const supportTexts = () =>
  (app.running.sms as DevSmsSender).sent.filter((m) => m.to === '+254700000999').map((m) => m.text);

test('ResultCode 2001 is neither found nor not found: UNKNOWN, and not the "no such payout" that permits a resend', () => {
  const body = {
    Result: {
      ResultType: 0,
      ResultCode: 2001,
      ResultDesc: 'The initiator information is invalid.',
      OriginatorConversationID: 'x',
      ConversationID: 'AG_1',
      ReferenceData: { ReferenceItem: { Key: 'Occasion', Value: 'po_ref_1' } },
    },
  };
  expect(parseStatusResult(body)).toEqual({
    type: 'PAYOUT_RESULT',
    reference: 'po_ref_1',
    providerRef: null,
    outcome: { state: 'UNKNOWN' },
  });
  expect(saysNotFound(body)).toBe(false);
});

test('a payout whose status queries answer 2001 stays LOCKED and in doubt, is never sent again, and support is alerted once', async () => {
  const c = await confirmedContract(app);
  const locked = await fundAndWaitLocked(app, c.id, wait);
  // The B2C reached M-Pesa (it may have paid), but its answer came after we gave up (no ConversationID) and its
  // result went to the queue-timeout URL: only a status query can tell.
  fake.lateNext(1, 1500);
  fake.queueTimeoutNext(1);
  fake.statusResultCode = 2001;
  try {
    await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
      contractId: c.id,
      kind: 'FULL' as never,
      pin: await ensurePin(app, BUYER),
    });
    const ref = await wait(async () => (await paymentOf(app, c.id)).payoutRef ?? false);
    // Reconciliation asks several times, and each answer is 2001.
    await wait(async () => fake.requestsTo(STATUS_PATH).filter((r) => r.body.Occasion === ref).length >= 3);
    await wait(async () => supportTexts().some((t) => t.includes(c.code) && t.includes('unresolved')));
    const p = await paymentOf(app, c.id);
    expect(p.status).toBe('LOCKED');
    expect(p.payoutProviderRef ?? null).toBeNull(); // nothing else guards this payout from a second send
    expect(p.payoutRequestedAt).not.toBeNull(); // still in doubt: the mark that forbids a blind resend is kept
    expect(fake.requestsTo(B2C_PATH).filter((r) => r.body.OriginatorConversationID === ref)).toHaveLength(1);
    expect(await auditCount(app, locked.id, 'payout-not-found')).toBe(0);
  } finally {
    fake.statusResultCode = null;
  }
  // M-Pesa answers properly again: the one B2C is found and settles the payout; still one B2C, one alert.
  const settled = await wait(async () => {
    const p = await paymentOf(app, c.id);
    return p.status === 'RELEASED' && p;
  });
  expect(fake.requestsTo(B2C_PATH).filter((r) => r.body.OriginatorConversationID === settled.payoutRef)).toHaveLength(
    1,
  );
  expect(supportTexts().filter((t) => t.includes(c.code) && t.includes('unresolved'))).toHaveLength(1);
});
