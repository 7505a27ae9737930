import { OutboxMessage } from '../src/outbox/outbox-message.entity';
import { domainOf, ensurePin } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER } from './support/fixtures';
import { auditCount, confirmedContract, fundAndWaitLocked, paymentOf } from './support/money-flow';
import { phoneActor } from '../src/auth/actor';
import { B2C_PATH, startMpesaApp } from './support/mpesa-app';
import { PrivateRedis } from './support/redis-server';
import { configAsEnv, spawnWorker } from './support/worker-child';
import type { FakeMpesaServer } from './fakes/fake-mpesa.server';

const b2cRequests = (fake: FakeMpesaServer, ref: string) =>
  fake.requestsTo(B2C_PATH).filter((r) => r.body.OriginatorConversationID === ref);
const b2cResults = (fake: FakeMpesaServer, ref: string) =>
  fake.deliveries.filter(
    (d) => d.url.includes('/b2c/result/') && (d.body as any).Result.OriginatorConversationID === ref,
  );

test('a worker killed in the middle of a payout, and started again, pays once', async () => {
  // The API in this process; the workers in a child process that is SIGKILLed while M-Pesa holds the B2C call.
  const { app, fake, close } = await startMpesaApp('fault_kill', {}, 'api');
  const env = { ...configAsEnv(app.running.config), PROVIDER_TIMEOUT_MS: '5000', PAYOUT_IN_DOUBT_SECONDS: '10' };
  let worker = await spawnWorker(env);
  try {
    const c = await confirmedContract(app);
    await fundAndWaitLocked(app, c.id, (f) => eventually(f, { what: 'deposit' }));
    fake.stallNext(1); // the B2C request reaches "M-Pesa" and is never answered
    await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
      contractId: c.id,
      kind: 'FULL' as never,
      pin: await ensurePin(app, BUYER),
    });
    const sending = await eventually(
      async () => {
        const p = await paymentOf(app, c.id);
        return p.payoutRequestedAt && b2cRequests(fake, p.payoutRef!).length === 1 && p;
      },
      { what: 'the payout to be in flight' },
    );
    await worker.kill();

    // Restarted: the job comes back when its lock expires; the payout is in doubt, so M-Pesa is asked first,
    // answers that it has no such transaction, and only then is the B2C sent again.
    worker = await spawnWorker({ ...env, PAYOUT_IN_DOUBT_SECONDS: '1', PROVIDER_TIMEOUT_MS: '500' });
    const paid = await eventually(
      async () => {
        const p = await paymentOf(app, c.id);
        return p.status === 'RELEASED' && p;
      },
      { timeoutMs: 25_000, what: 'the payout after the restart' },
    );
    expect(paid.id).toBe(sending.id);
    expect(b2cResults(fake, paid.payoutRef!)).toHaveLength(1);
    const statusQueries = fake
      .requestsTo('/mpesa/transactionstatus/v1/query')
      .filter((r) => r.body.OriginalConversationID === paid.payoutRef);
    expect(statusQueries.length).toBeGreaterThanOrEqual(1);
    expect(await auditCount(app, paid.id, 'payout-not-found')).toBe(1);
    expect(await auditCount(app, paid.id, 'payout-settled')).toBe(1);
  } finally {
    await worker.kill();
    await close();
  }
}, 60_000);

test('a delivery confirmed while Redis is down is paid once Redis is back, and only once', async () => {
  const redis = await PrivateRedis.start();
  const { app, fake, close } = await startMpesaApp('fault_redis', { REDIS_URL: redis.url }, 'all');
  try {
    const c = await confirmedContract(app);
    const locked = await fundAndWaitLocked(app, c.id, (f) => eventually(f, { what: 'deposit' }));

    await redis.stop();
    await eventually(() => app.running.queueConnection.status !== 'ready', { what: 'the app to notice Redis is gone' });
    const { changed } = await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
      contractId: c.id,
      kind: 'FULL' as never,
      pin: await ensurePin(app, BUYER),
    });
    expect(changed).toBe(true); // the decision commits without Redis: the payout job waits in the outbox
    // Issue 11: the release is a payment row of its own, decided in the same transaction.
    const release = await paymentOf(app, c.id);
    expect(release.id).not.toBe(locked.id);
    const row = () => app.running.orm.em.fork().findOneOrFail(OutboxMessage, { jobId: `payout-${release.id}` });
    // Asserting that nothing happens needs a window: the relay polls every 50 ms, so 1 s is twenty tries.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await row()).relayedAt).toBeNull();
    expect(fake.requestsTo(B2C_PATH)).toHaveLength(0);

    await redis.start(); // empty: it kept nothing (no persistence), the outbox did
    const paid = await eventually(
      async () => {
        const p = await paymentOf(app, c.id);
        return p.status === 'RELEASED' && p;
      },
      { timeoutMs: 20_000, what: 'the payout after Redis came back' },
    );
    expect((await row()).relayedAt).not.toBeNull();
    expect(b2cRequests(fake, paid.payoutRef!)).toHaveLength(1);
    expect(b2cResults(fake, paid.payoutRef!)).toHaveLength(1);
  } finally {
    await close();
    await redis.stop();
  }
}, 60_000);
