import { randomUUID } from 'node:crypto';
import { startWorkers } from '../workers';
import { startTestApp, type TestApp } from './support/app';
import { domainOf, ensurePin, fundAndLock } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER, createContract, SELLER } from './support/fixtures';
import { confirmedContract, FAST, paymentOf, statusOf } from './support/money-flow';
import { phoneActor } from '../src/auth/actor';

/**
 * The schedulers (session cleanup, contract expiry, reconciliation) on short periods. The app runs as "api";
 * each test starts the workers itself, so that it can first arrange what a lost Redis would leave behind.
 */
let app: TestApp;
let workers: { close(): Promise<void> } | null = null;
beforeAll(async () => {
  app = await startTestApp('housekeeping', {
    ...FAST,
    PAYMENT_PROVIDER: 'sandbox',
    SESSION_CLEANUP_EVERY_SECONDS: '0.2',
    RECONCILE_EVERY_SECONDS: '0.3',
    USSD_SESSION_RETENTION_HOURS: '1',
    ESCROW_RELEASE_HOURS: '0.0003',
    DEPOSIT_TIMEOUT_SECONDS: '1',
  });
});
afterEach(async () => {
  await workers?.close();
  workers = null;
});
afterAll(() => app.close());

const run = async () => {
  const { config, logger, orm, domainDeps, queues, workerConnection } = app.running;
  workers = await startWorkers({ config, logger, orm, domainDeps, queues, workerConnection });
};
const sql = (query: string, params: unknown[] = []) => app.running.orm.em.fork().getConnection().execute(query, params);
/** What a Redis that lost its data leaves: decisions whose jobs were relayed and then forgotten. */
const forgetRelayedJobs = () => sql('update outbox_messages set relayed_at = now() where relayed_at is null');

test('session cleanup closes expired USSD sessions and deletes those closed longer than the retention period', async () => {
  const ago = (ms: number) => new Date(Date.now() - ms);
  const insert = (sessionId: string, active: boolean, expiresAt: Date, updatedAt: Date, endStatus: string | null) =>
    sql(
      `insert into ussd_sessions (id, session_id, phone_number, current_menu, context, active, hops, end_status, created_at, updated_at, expires_at)
       values (?, ?, ?, 'main', '{}', ?, 1, ?, ?, ?, ?)`,
      [randomUUID(), sessionId, BUYER, active, endStatus, updatedAt, updatedAt, expiresAt],
    );
  await insert('expired', true, ago(60_000), ago(360_000), null);
  await insert('live', true, new Date(Date.now() + 300_000), new Date(), null);
  await insert('old-closed', false, ago(3 * 3600_000), ago(2 * 3600_000), 'COMPLETED');
  await insert('recent-closed', false, ago(20 * 60_000), ago(10 * 60_000), 'COMPLETED');
  await run();

  const rows = await eventually(
    async () => {
      const r = (await sql('select session_id, active, end_status from ussd_sessions order by session_id')) as Array<{
        session_id: string;
        active: boolean;
        end_status: string | null;
      }>;
      return r.length === 3 && !r.find((s) => s.session_id === 'expired')?.active && r;
    },
    { what: 'session cleanup' },
  );
  expect(rows).toEqual([
    { session_id: 'expired', active: false, end_status: 'EXPIRED' },
    { session_id: 'live', active: true, end_status: null },
    { session_id: 'recent-closed', active: false, end_status: 'COMPLETED' },
  ]);
});

test('PENDING contracts past their delivery deadline expire', async () => {
  const overdue = await createContract(app);
  const onTime = await createContract(app);
  await sql(`update contracts set delivery_deadline = now() - interval '1 hour' where id = ?`, [overdue.id]);
  await run();
  await eventually(async () => (await statusOf(app, overdue.id)) === 'EXPIRED', { what: 'contract expiry' });
  expect(await statusOf(app, onTime.id)).toBe('PENDING');
});

test('reconciliation finishes what lost jobs left: a payout never sent, a release window, a deposit timeout', async () => {
  // A confirmed delivery whose payout job was lost.
  const paid = await confirmedContract(app);
  await fundAndLock(app, paid.id);
  await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
    contractId: paid.id,
    kind: 'FULL' as never,
    pin: await ensurePin(app, BUYER),
  });
  // A seller's report whose release-window job was lost.
  const windowed = await confirmedContract(app);
  await fundAndLock(app, windowed.id);
  await domainOf(app).deliveries.confirm(phoneActor(SELLER), { contractId: windowed.id, kind: 'FULL' as never });
  // A deposit whose start and timeout jobs were both lost.
  const stuck = await confirmedContract(app);
  await domainOf(app).payments.fundEscrow(phoneActor(BUYER), stuck.id);
  await forgetRelayedJobs();

  await run();
  await eventually(async () => (await paymentOf(app, paid.id)).status === 'RELEASED', { what: 'the lost payout' });
  await eventually(async () => (await paymentOf(app, windowed.id)).status === 'RELEASED', {
    what: 'the lost release window',
  });
  const failed = await eventually(
    async () => {
      const p = await paymentOf(app, stuck.id);
      return p.status === 'FAILED' && p;
    },
    { what: 'the lost deposit timeout' },
  );
  expect(failed.failureReason).toMatch(/timed out/i);
  expect(await statusOf(app, windowed.id)).toBe('COMPLETED');
  expect(await statusOf(app, stuck.id)).toBe('CONFIRMED');
});
