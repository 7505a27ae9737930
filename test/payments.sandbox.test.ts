import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { domainOf, ensurePin } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER, createContract, loginAs, SELLER } from './support/fixtures';
import { auditCount, confirmedContract, FAST, fundAndWaitLocked, paymentOf, statusOf } from './support/money-flow';
import { phoneActor } from '../src/auth/actor';
import type { DevSmsSender } from '../adapters/sms/dev-sms.sender';
import { OutboxMessage } from '../src/outbox/outbox-message.entity';

/** The sandbox provider, the real workers, a release window of about a second. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp(
    'pay_sandbox',
    { ...FAST, PAYMENT_PROVIDER: 'sandbox', ESCROW_RELEASE_HOURS: '0.0003', SUPPORT_ALERT_PHONE: '+254700000999' },
    'all',
  );
});
afterAll(() => app.close());

const sms = () => app.running.sms as DevSmsSender;
const textsTo = (phone: string) =>
  sms()
    .sent.filter((m) => m.to === phone)
    .map((m) => m.text);
const wait = <T>(f: () => Promise<T | false>) => eventually(f, { what: 'the workers' });

test('creation to released payment through the API and the workers alone, with one payout and the texts on the way', async () => {
  const created = await createContract(app, { totalAmount: '2500' });
  const buyer = await loginAs(app, BUYER);
  const seller = await loginAs(app, SELLER);
  // Each party is told of the contract, with its code and the USSD way to accept it.
  await wait(async () => textsTo(SELLER).some((t) => t.includes(created.code) && t.includes('*384*1234#')));
  for (const token of [buyer, seller]) {
    const res = await app.gql(
      'mutation($id: ID!) { acceptContract(contractId: $id) { status } }',
      { id: created.id },
      token,
    );
    expect(res.body.errors).toBeUndefined();
  }
  const funded = await app.gql(
    'mutation($id: ID!) { fundEscrow(contractId: $id) { id status } }',
    { id: created.id },
    buyer,
  );
  expect(funded.body.data.fundEscrow.status).toBe('PENDING');
  await wait(async () => (await statusOf(app, created.id)) === 'ACTIVE');
  await wait(async () => textsTo(BUYER).some((t) => t.includes('held in escrow')));

  const confirmed = await app.gql(
    'mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { id } }',
    { i: { contractId: created.id, kind: 'FULL', pin: await ensurePin(app, BUYER) } },
    buyer,
  );
  expect(confirmed.body.errors).toBeUndefined();
  // Issue 11: the release is a payment row of its own (one row per movement), the newest of the contract.
  const paymentId = (
    await wait(async () => {
      const p = await paymentOf(app, created.id);
      return p.status === 'RELEASED' && p;
    })
  ).id;
  expect(paymentId).not.toBe(funded.body.data.fundEscrow.id);
  await wait(async () => textsTo(SELLER).some((t) => t.includes('paid to your M-Pesa')));

  expect(await statusOf(app, created.id)).toBe('COMPLETED');
  expect(await auditCount(app, paymentId, 'payout-sending')).toBe(1);
  expect(await auditCount(app, paymentId, 'payout-settled')).toBe(1);
  // Confirming again is a no-op: no second payout decision, no second send.
  const outboxRows = () => app.running.orm.em.fork().count(OutboxMessage, {});
  const before = await outboxRows();
  const again = await app.gql(
    'mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { id } }',
    { i: { contractId: created.id, kind: 'FULL', pin: await ensurePin(app, BUYER) } },
    buyer,
  );
  expect(again.body.errors).toBeUndefined();
  expect(again.body.extensions?.notices?.[0] ?? '').toMatch(/already confirmed/);
  expect(await outboxRows()).toBe(before); // the replay decided nothing new
  expect(await auditCount(app, paymentId, 'payout-sending')).toBe(1);
  for (const m of sms().sent) expect(m.text.length).toBeLessThanOrEqual(160);
});

test("the seller's full delivery is accepted when the release window passes, and the buyer was told how to answer", async () => {
  const c = await confirmedContract(app);
  await fundAndWaitLocked(app, c.id, wait);
  await domainOf(app).deliveries.confirm(phoneActor(SELLER), { contractId: c.id, kind: 'FULL' as never });
  expect(await statusOf(app, c.id)).toBe('ACTIVE'); // not before the window
  await wait(async () => (await paymentOf(app, c.id)).status === 'RELEASED');
  expect(await statusOf(app, c.id)).toBe('COMPLETED');
  expect(textsTo(BUYER).some((t) => t.includes(c.code) && /confirm or report a problem/.test(t))).toBe(true);
});

test('an issue reported inside the window stops the release; resolving it as a refund pays the buyer back', async () => {
  const c = await confirmedContract(app);
  const locked = await fundAndWaitLocked(app, c.id, wait);
  const { value: delivery } = await domainOf(app).deliveries.confirm(phoneActor(SELLER), {
    contractId: c.id,
    kind: 'FULL' as never,
  });
  const { value: dispute } = await domainOf(app).disputes.report(phoneActor(BUYER), {
    contractId: c.id,
    reason: 'POOR_QUALITY' as never,
  });

  // The release-window job runs and finds the contract disputed: it does nothing.
  const jobId = `release-window-${delivery!.id}`;
  const job = await wait(async () => {
    const j = await app.running.queues.payments.getJob(jobId);
    // isCompleted asks Redis now; the job object is a snapshot from before, so read it again once it is done.
    return j && (await j.isCompleted()) && app.running.queues.payments.getJob(jobId);
  });
  expect(job!.returnvalue).toMatch(/DISPUTED/);
  expect((await paymentOf(app, c.id)).status).toBe('LOCKED');
  expect(await auditCount(app, locked.id, 'payout-sending')).toBe(0);
  // The seller and support hear of the dispute.
  await wait(
    async () =>
      textsTo(SELLER).some((t) => t.includes('reported a problem')) &&
      textsTo('+254700000999').some((t) => t.includes('dispute')),
  );

  const resolved = await app.gql(
    'mutation($i: ResolveDisputeInput!) { resolveDispute(input: $i) { status } }',
    { i: { disputeId: dispute.id, outcome: 'REFUND_TO_BUYER' } },
    ADMIN_KEY,
  );
  expect(resolved.body.errors).toBeUndefined();
  const refund = await wait(async () => {
    const p = await paymentOf(app, c.id);
    return p.status === 'REFUNDED' && p;
  });
  expect(await statusOf(app, c.id)).toBe('CANCELLED');
  await wait(async () => textsTo(BUYER).some((t) => t.includes('refunded to your M-Pesa')));
  expect(await auditCount(app, refund.id, 'payout-sending')).toBe(1);
  expect(await auditCount(app, locked.id, 'payout-sending')).toBe(0); // the deposit row only took the money in
});

test('a deposit nobody completes times out: FAILED with a reason, the contract stays CONFIRMED, and a new deposit may start', async () => {
  const slow = await startTestApp(
    'pay_sandbox_timeout',
    { ...FAST, PAYMENT_PROVIDER: 'sandbox', SANDBOX_SETTLE_MS: '60000', DEPOSIT_TIMEOUT_SECONDS: '1' },
    'all',
  );
  try {
    const c = await confirmedContract(slow);
    const { value: first } = await domainOf(slow).payments.fundEscrow(phoneActor(BUYER), c.id);
    const failed = await eventually(async () => {
      const p = await paymentOf(slow, c.id);
      return p.status === 'FAILED' && p;
    });
    expect(failed.id).toBe(first.id);
    expect(failed.failureReason).toMatch(/timed out/i);
    expect(failed.depositRef).toBeTruthy(); // the STK push went out once
    expect(await statusOf(slow, c.id)).toBe('CONFIRMED');
    const { value: second, changed } = await domainOf(slow).payments.fundEscrow(phoneActor(BUYER), c.id);
    expect(changed).toBe(true);
    expect(second.id).not.toBe(first.id);
  } finally {
    await slow.close();
  }
});
