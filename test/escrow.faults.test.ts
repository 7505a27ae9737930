import { Contract } from '../src/contract/contract.entity';
import { Payment, PaymentKind } from '../src/payment/payment.entity';
import { phoneActor } from '../src/auth/actor';
import { domainOf, ensurePin } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER, SELLER } from './support/fixtures';
import { auditCount, confirmedContract, fundAndWaitLocked, statusOf } from './support/money-flow';
import { B2C_PATH, startMpesaApp } from './support/mpesa-app';
import { configAsEnv, spawnWorker } from './support/worker-child';
import type { FakeMpesaServer } from './fakes/fake-mpesa.server';

const b2cRequests = (fake: FakeMpesaServer, ref: string) =>
  fake.requestsTo(B2C_PATH).filter((r) => r.body.OriginatorConversationID === ref);
const b2cResults = (fake: FakeMpesaServer, ref: string) =>
  fake.deliveries.filter(
    (d) => d.url.includes('/b2c/result/') && (d.body as any).Result.OriginatorConversationID === ref,
  );

test('a deadline refund whose worker is killed in the middle, and started again, refunds once', async () => {
  // The API here; the workers (deadline sweep, refund job, payout job) in a child process SIGKILLed mid-B2C.
  const { app, fake, close } = await startMpesaApp('escrow_fault_kill', {}, 'api');
  const env = {
    ...configAsEnv(app.running.config),
    PROVIDER_TIMEOUT_MS: '5000',
    PAYOUT_IN_DOUBT_SECONDS: '10',
    RECONCILE_EVERY_SECONDS: '0.2',
    DELIVERY_GRACE_SECONDS: '1',
  };
  let worker = await spawnWorker(env);
  const paymentsOf = (contractId: string, kind: PaymentKind) =>
    app.running.orm.em.fork().find(Payment, { contract: contractId, kind });
  try {
    const c = await confirmedContract(app, { buyer: BUYER, seller: SELLER, totalAmount: '3000', quantity: '10' });
    await fundAndWaitLocked(app, c.id, (f) => eventually(f, { what: 'deposit' }));
    await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
      pin: await ensurePin(app, BUYER),
      contractId: c.id,
      kind: 'PARTIAL' as never,
      quantity: '4',
    });
    await eventually(async () => (await paymentsOf(c.id, PaymentKind.RELEASE))[0]?.status === 'RELEASED', {
      what: 'the lot to be paid',
    });

    fake.stallNext(1); // the refund's B2C reaches "M-Pesa" and is never answered
    await app.running.orm.em
      .fork()
      .nativeUpdate(Contract, { id: c.id }, { deliveryDeadline: new Date(Date.now() - 1000) });
    const sending = await eventually(
      async () => {
        const [p] = await paymentsOf(c.id, PaymentKind.REFUND);
        return p?.payoutRequestedAt && b2cRequests(fake, p.payoutRef!).length === 1 && p;
      },
      { timeoutMs: 20_000, what: 'the deadline refund to be in flight' },
    );
    expect(sending.amount).toBe('1800.00');
    await worker.kill();

    worker = await spawnWorker({ ...env, PAYOUT_IN_DOUBT_SECONDS: '1', PROVIDER_TIMEOUT_MS: '500' });
    const refunded = await eventually(
      async () => {
        const rows = await paymentsOf(c.id, PaymentKind.REFUND);
        return rows.length === 1 && rows[0].status === 'REFUNDED' && rows[0];
      },
      { timeoutMs: 25_000, what: 'the refund after the restart' },
    );
    expect(refunded.id).toBe(sending.id);
    expect(b2cResults(fake, refunded.payoutRef!)).toHaveLength(1);
    expect(await auditCount(app, refunded.id, 'payout-settled')).toBe(1);
    expect(await statusOf(app, c.id)).toBe('COMPLETED');
    // The sweep keeps running in the new worker: still one refund, and the accounts add up.
    expect((await domainOf(app).escrow.refundAfterGrace(c.id)).changed).toBe(false);
    const res = await app.gql(
      'query($id: ID!) { contract(id: $id) { escrow { deposited released refunded held } } }',
      { id: c.id },
      app.running.config.ADMIN_API_KEY,
    );
    expect(res.body.data.contract.escrow).toEqual({
      deposited: '3000.00',
      released: '1200.00',
      refunded: '1800.00',
      held: '0.00',
    });
  } finally {
    await worker.kill();
    await close();
  }
}, 180_000);
