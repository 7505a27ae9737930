import { ProviderCallback } from '../src/payment/provider-callback.entity';
import type { DevSmsSender } from '../adapters/sms/dev-sms.sender';
import type { TestApp } from './support/app';
import { domainOf, ensurePin } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER, SELLER } from './support/fixtures';
import { auditCount, confirmedContract, fundAndWaitLocked, paymentOf, statusOf } from './support/money-flow';
import { phoneActor } from '../src/auth/actor';
import { B2C_PATH, CALLBACK_TOKEN, postCallback, startMpesaApp, STK_PATH } from './support/mpesa-app';
import type { FakeMpesaServer } from './fakes/fake-mpesa.server';

/** M-Pesa played by the fake Daraja server; everything else real. Reconciliation runs every second here. */
let app: TestApp;
let fake: FakeMpesaServer;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ app, fake, close } = await startMpesaApp('pay_mpesa', {
    RECONCILE_EVERY_SECONDS: '1',
    PAYOUT_ALERT_AFTER_MINUTES: '0.03',
  }));
});
afterAll(() => close());
afterEach(async () => {
  fake.duplicateCallbacks = false;
  await fake.releaseCallbacks();
});

const wait = <T>(f: () => Promise<T | false>) => eventually(f, { what: 'M-Pesa flow' });
const b2cResults = (ref: string) =>
  fake.deliveries.filter(
    (d) => d.url.includes('/b2c/result/') && (d.body as any).Result.OriginatorConversationID === ref,
  );
const b2cRequests = (ref: string) => fake.requestsTo(B2C_PATH).filter((r) => r.body.OriginatorConversationID === ref);
const supportTexts = () =>
  (app.running.sms as DevSmsSender).sent.filter((m) => m.to === '+254700000999').map((m) => m.text);

async function releaseByBuyer(contractId: string) {
  await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
    contractId,
    kind: 'FULL' as never,
    pin: await ensurePin(app, BUYER),
  });
  return wait(async () => {
    const p = await paymentOf(app, contractId);
    return p.status !== 'LOCKED' && p;
  });
}

test('the deposit goes out as one STK push and its callback makes the contract ACTIVE; the buyer confirmation pays the seller once by B2C', async () => {
  const c = await confirmedContract(app);
  const locked = await fundAndWaitLocked(app, c.id, wait);
  expect(fake.requestsTo(STK_PATH).filter((r) => r.body.AccountReference === c.code)).toHaveLength(1);
  expect(locked.depositReceipt).toMatch(/^T[0-9A-F]{9}$/);

  const paid = await releaseByBuyer(c.id);
  expect(paid.status).toBe('RELEASED');
  expect(await statusOf(app, c.id)).toBe('COMPLETED');
  const [request] = b2cRequests(paid.payoutRef!);
  expect(request.body).toMatchObject({ PartyB: '254722000111', Amount: 2500, CommandID: 'BusinessPayment' });
  expect(b2cRequests(paid.payoutRef!)).toHaveLength(1);
  expect(paid.payoutReceipt).toBe(fake.b2c.get(paid.payoutRef!)!.transactionId);
});

test('callbacks delivered twice are applied once', async () => {
  fake.duplicateCallbacks = true;
  const c = await confirmedContract(app);
  const locked = await fundAndWaitLocked(app, c.id, wait);
  const paid = await releaseByBuyer(c.id);
  expect(paid.status).toBe('RELEASED');
  await wait(
    async () => b2cResults(paid.payoutRef!).length === 2 && b2cResults(paid.payoutRef!).every((d) => d.status === 200),
  );
  // The second copy is the same inbox row: one row per callback, one settlement each.
  const rows = await app.running.orm.em.fork().find(ProviderCallback, { source: 'mpesa:b2c/result' });
  expect(rows.filter((r) => r.event.type === 'PAYOUT_RESULT' && r.event.reference === paid.payoutRef)).toHaveLength(1);
  expect(await auditCount(app, locked.id, 'deposit-locked')).toBe(1);
  expect(await auditCount(app, paid.id, 'payout-settled')).toBe(1); // the release is a row of its own (issue 11)
  expect(b2cRequests(paid.payoutRef!)).toHaveLength(1);
});

test('late, replayed, unknown, malformed and forged callbacks change nothing', async () => {
  const c = await confirmedContract(app);
  await fundAndWaitLocked(app, c.id, wait);
  const paid = await releaseByBuyer(c.id);
  const result = {
    OriginatorConversationID: paid.payoutRef,
    ConversationID: paid.payoutProviderRef,
    TransactionID: 'TLATE00001',
  };
  // A queue timeout and a failed status answer arriving after the success.
  expect(
    (
      await postCallback(app, 'b2c/timeout', {
        Result: { ResultType: 1, ResultCode: 'SFC_IC0003', ResultDesc: 'timed out', ...result },
      })
    ).status,
  ).toBe(200);
  const failedStatus = {
    Result: {
      ResultType: 0,
      ResultCode: 0,
      ResultDesc: 'ok',
      ResultParameters: {
        ResultParameter: [
          { Key: 'TransactionStatus', Value: 'Failed' },
          { Key: 'ReasonType', Value: 'Declined' },
          { Key: 'Originator Conversation ID', Value: paid.payoutRef },
        ],
      },
    },
  };
  expect(await (await postCallback(app, 'status/result', failedStatus)).json()).toEqual({
    ResultCode: 0,
    ResultDesc: 'Accepted',
  });
  // A replayed STK callback that now says the deposit failed.
  await postCallback(app, 'stk', {
    Body: {
      stkCallback: {
        MerchantRequestID: 'm',
        CheckoutRequestID: paid.depositRef,
        ResultCode: 1032,
        ResultDesc: 'Request cancelled by user',
      },
    },
  });
  // A reference nobody knows, a malformed body, a wrong token.
  await postCallback(app, 'b2c/result', {
    Result: {
      ResultCode: 0,
      OriginatorConversationID: 'VPNOBODY',
      TransactionID: 'TX1',
      ResultParameters: { ResultParameter: [{ Key: 'TransactionReceipt', Value: 'TX1' }] },
    },
  });
  expect((await postCallback(app, 'stk', { hello: 'world' })).status).toBe(200);
  expect((await postCallback(app, 'stk', { Body: {} }, 'wrong-token-0123456789')).status).toBe(404);

  // Every authentic callback above has been processed (the unknown one stays pending, retried, never applied).
  await wait(
    async () =>
      (await app.running.orm.em
        .fork()
        .count(ProviderCallback, { processedAt: null, event: { type: { $ne: 'PAYOUT_RESULT' } } })) === 0,
  );
  const after = await paymentOf(app, c.id);
  expect(after).toMatchObject({
    status: 'RELEASED',
    payoutReceipt: paid.payoutReceipt,
    depositReceipt: paid.depositReceipt,
  });
  expect(await statusOf(app, c.id)).toBe('COMPLETED');
  expect(await auditCount(app, paid.id, 'failed')).toBe(0);
});

test('a deposit that completes after the contract was cancelled goes back to the buyer', async () => {
  const c = await confirmedContract(app);
  fake.holdCallbacks();
  await domainOf(app).payments.fundEscrow(phoneActor(BUYER), c.id);
  await wait(async () => (await paymentOf(app, c.id)).depositRef);
  await domainOf(app).contracts.cancel(phoneActor(SELLER), c.id, 'changed my mind');
  await fake.releaseCallbacks();
  const refunded = await wait(async () => {
    const p = await paymentOf(app, c.id);
    return p.status === 'REFUNDED' && p;
  });
  expect(b2cRequests(refunded.payoutRef!)[0].body.PartyB).toBe('254712345678');
  expect(await statusOf(app, c.id)).toBe('CANCELLED');
});

test('a provider that fails, then recovers, pays once', async () => {
  const c = await confirmedContract(app);
  await fundAndWaitLocked(app, c.id, wait);
  fake.failNext(3, 503); // the payout, then the status queries asking about it
  const paid = await releaseByBuyer(c.id);
  expect(paid.status).toBe('RELEASED');
  expect(b2cResults(paid.payoutRef!)).toHaveLength(1);
  expect(b2cRequests(paid.payoutRef!).length).toBeGreaterThanOrEqual(2); // the refused tries, then the one that went through
});

test('a dispute resolved as a refund pays the buyer back through B2C', async () => {
  const c = await confirmedContract(app);
  await fundAndWaitLocked(app, c.id, wait);
  const { value: dispute } = await domainOf(app).disputes.report(phoneActor(SELLER), {
    contractId: c.id,
    reason: 'PAYMENT_PROBLEM' as never,
  });
  await domainOf(app).disputes.resolve(
    { kind: 'admin' },
    { disputeId: dispute.id, outcome: 'REFUND_TO_BUYER' as never },
  );
  const refunded = await wait(async () => {
    const p = await paymentOf(app, c.id);
    return p.status === 'REFUNDED' && p;
  });
  expect(b2cRequests(refunded.payoutRef!)).toHaveLength(1);
  expect(b2cRequests(refunded.payoutRef!)[0].body.PartyB).toBe('254712345678');
});

test('a payout M-Pesa refuses is FAILED with the reason at once, and support is alerted', async () => {
  const c = await confirmedContract(app);
  await fundAndWaitLocked(app, c.id, wait);
  fake.rejectNext(1, 'Bad Request - Invalid PhoneNumber');
  const failed = await releaseByBuyer(c.id);
  expect(failed.status).toBe('FAILED');
  expect(failed.failureReason).toMatch(/Invalid PhoneNumber/);
  await wait(async () => supportTexts().some((t) => t.includes(c.code) && t.includes('FAILED')));
  expect(b2cRequests(failed.payoutRef!)).toHaveLength(1); // a refusal is not retried
});

test('a payout whose result never came is settled by reconciliation asking M-Pesa', async () => {
  const c = await confirmedContract(app);
  await fundAndWaitLocked(app, c.id, wait);
  fake.queueTimeoutNext(1); // Daraja posts to the queue-timeout URL instead of the result
  const settled = await releaseByBuyer(c.id);
  expect(settled.status).toBe('RELEASED');
  expect(
    fake
      .requestsTo('/mpesa/transactionstatus/v1/query')
      .some((r) => r.body.OriginalConversationID === settled.payoutRef),
  ).toBe(true);
  expect(b2cRequests(settled.payoutRef!)).toHaveLength(1);
});

test('a payout M-Pesa says nothing about stays LOCKED, support is alerted once, and the late answer settles it', async () => {
  const c = await confirmedContract(app);
  const locked = await fundAndWaitLocked(app, c.id, wait);
  fake.holdCallbacks(); // the result, and every status answer reconciliation asks for, are held back
  await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
    contractId: c.id,
    kind: 'FULL' as never,
    pin: await ensurePin(app, BUYER),
  });
  await wait(async () => supportTexts().some((t) => t.includes(c.code) && t.includes('unresolved')));
  expect((await paymentOf(app, c.id)).status).toBe('LOCKED'); // never FAILED: the money may have moved
  await fake.releaseCallbacks();
  await wait(async () => (await paymentOf(app, c.id)).status === 'RELEASED');
  expect(supportTexts().filter((t) => t.includes(c.code) && t.includes('unresolved'))).toHaveLength(1);
  expect(await auditCount(app, (await paymentOf(app, c.id)).id, 'payout-settled')).toBe(1);
  expect(await auditCount(app, locked.id, 'payout-settled')).toBe(0); // the deposit row only took the money in
  expect(b2cResults((await paymentOf(app, c.id)).payoutRef!)).toHaveLength(1);
});

test('money that arrives for a deposit that already failed is reported to support', async () => {
  const c = await confirmedContract(app);
  fake.holdCallbacks();
  const { value: payment } = await domainOf(app).payments.fundEscrow(phoneActor(BUYER), c.id);
  await wait(async () => (await paymentOf(app, c.id)).depositRef);
  expect(await domainOf(app).deposits.expire(payment.id)).toBe(true); // what the deposit-timeout job does
  await fake.releaseCallbacks(); // the buyer paid after all
  await wait(async () => supportTexts().some((t) => t.includes('no open payment holds it') && t.includes(c.code)));
  expect((await paymentOf(app, c.id)).status).toBe('FAILED');
});

test('callbacks from outside MPESA_CALLBACK_ALLOWED_IPS, or too large, are refused before anything is read', async () => {
  const fenced = await startMpesaApp(
    'pay_mpesa_ips',
    { MPESA_CALLBACK_ALLOWED_IPS: '196.201.214.0/24, 2001:db8::/32' },
    'api',
  );
  const open = await startMpesaApp(
    'pay_mpesa_ips_ok',
    { MPESA_CALLBACK_ALLOWED_IPS: '196.201.214.0/24,127.0.0.0/8' },
    'api',
  );
  try {
    expect((await postCallback(fenced.app, 'stk', { Body: {} })).status).toBe(403);
    expect((await postCallback(open.app, 'stk', { Body: {} })).status).toBe(200);
    const huge = { Body: { stkCallback: { CheckoutRequestID: 'x', ResultCode: 1, ResultDesc: 'y'.repeat(40_000) } } };
    expect((await postCallback(open.app, 'stk', huge)).status).toBe(413);
    expect(await open.app.running.orm.em.fork().count(ProviderCallback, {})).toBe(0);
  } finally {
    await fenced.close();
    await open.close();
  }
});

test('behind a trusted proxy, the callback allow-list reads the address the proxy appended, not what the caller wrote', async () => {
  const proxied = await startMpesaApp(
    'pay_mpesa_proxy',
    { TRUST_PROXY: '1', MPESA_CALLBACK_ALLOWED_IPS: '196.201.214.0/24' },
    'api',
  );
  try {
    const post = (xff: string) =>
      postCallback(proxied.app, 'stk', { Body: {} }, CALLBACK_TOKEN, { 'x-forwarded-for': xff });
    // The caller wrote Safaricom's address itself; our proxy appended the real one.
    expect((await post('196.201.214.5, 203.0.113.9')).status).toBe(403);
    expect((await post('203.0.113.9, 196.201.214.5')).status).toBe(200);
    expect((await post('196.201.214.5')).status).toBe(200);
  } finally {
    await proxied.close();
  }
});
