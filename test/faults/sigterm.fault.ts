import { Client } from 'pg';
import { FakeMpesaServer } from '../fakes/fake-mpesa.server';
import { dropDatabase, freshDatabaseUrl } from '../support/database';
import { eventually } from '../support/eventually';
import { B2C_PATH, mpesaEnv } from '../support/mpesa-app';
import { freePort } from '../support/redis-server';
import { newSessionId, type Answer } from '../support/ussd-tester';
import { Db } from './support/db';
import {
  activeContract,
  freshPrefix,
  FULL_DELIVERY_BY_BUYER,
  FULL_DELIVERY_WITH_NEW_PIN,
  hop,
  newPhone,
  releaseOf,
  releaseReaches,
  walkToRelease,
  type ActiveDeal,
} from './support/flows';
import { startService, type Service } from './support/service';

/**
 * SIGTERM while handsets browse and buyers confirm deliveries. The confirmations are held in flight on purpose
 * (this test holds their sessions' row locks, so they are provably inside the service when the signal arrives):
 * each is answered, the process exits by itself within 10 s, and after a restart every payout that the confirmations
 * decided is paid, once.
 */

const BUYERS = 4;

let fake: FakeMpesaServer;
let service: Service;
let db: Db;
let databaseUrl: string;
let env: Record<string, string>;
let port: number;

beforeAll(async () => {
  fake = new FakeMpesaServer();
  const fakeUrl = await fake.start();
  port = await freePort();
  databaseUrl = freshDatabaseUrl('fsuite_term');
  env = mpesaEnv(fakeUrl, port, {
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: freshPrefix('term'),
    USSD_RATE_LIMIT_PER_MINUTE: '0',
    RECONCILE_EVERY_SECONDS: '2', // a callback posted while the service was down is asked about after the restart
  });
  service = await startService(env, { port });
  db = new Db(databaseUrl);
}, 120_000);

afterAll(async () => {
  await service?.kill();
  await db?.close();
  await fake?.stop();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

test('SIGTERM under load: requests in flight are answered, the process exits in time, no job is lost', async () => {
  const deals: ActiveDeal[] = [];
  for (let i = 0; i < BUYERS; i++) deals.push(await activeContract(service.url, db, `Rice${i}`));
  const sessions = deals.map(() => newSessionId());
  // Each buyer up to the PIN typed the second time: the hop that releases the money is the one held in flight.
  for (const [i, deal] of deals.entries()) await walkToRelease(service.url, deal.buyer, deal.code, sessions[i]);

  // Background load: handsets walking the menus until the service stops answering. Bounded by count.
  let stopped = false;
  const browsed: Array<{ answer?: Answer; error?: string }> = [];
  const browse = async () => {
    const phone = newPhone();
    for (let i = 0; i < 2000 && !stopped; i++) {
      const sessionId = newSessionId();
      for (const text of ['', '1', '3', '4']) {
        try {
          browsed.push({ answer: await hop(service.url, phone, text, sessionId) });
        } catch (err) {
          browsed.push({ error: String((err as Error).cause ?? err) });
          stopped = true;
          return;
        }
      }
    }
  };
  const load = Promise.all(Array.from({ length: 4 }, browse));

  // Hold the buyers' session rows, send the confirmations, and wait until all of them wait on those locks.
  const holder = new Client({ connectionString: databaseUrl });
  await holder.connect();
  await holder.query('begin');
  await holder.query('select 1 from ussd_sessions where session_id = any($1) for update', [sessions]);
  const confirming = deals.map((d, i) => hop(service.url, d.buyer, FULL_DELIVERY_WITH_NEW_PIN, sessions[i]));
  await eventually(
    async () => {
      const [row] = await db.rows<{ n: string }>(
        `select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      return Number(row.n) >= BUYERS;
    },
    { what: 'the confirmations to wait on the session locks' },
  );

  const signalled = Date.now();
  service.child.kill('SIGTERM');
  // The listener closes first: a new connection is refused while the confirmations are still in flight.
  await eventually(
    async () =>
      fetch(`${service.url}/health`).then(
        async (r) => (await r.text(), false),
        () => true,
      ),
    { what: 'the listener to close' },
  );
  await holder.query('commit');
  await holder.end();

  const answers = await Promise.all(confirming);
  const exit = await service.exited;
  const exitMs = Date.now() - signalled;
  stopped = true;
  await load;

  expect(answers.map((a) => [a.status, a.body])).toEqual(deals.map(() => [200, FULL_DELIVERY_BY_BUYER]));
  expect(exit).toEqual({ code: 0, signal: null });
  expect(exitMs).toBeLessThan(10_000);
  // What the browsing handsets saw: screens, and once the service had stopped listening, no connection.
  expect(browsed.filter((b) => b.answer).length).toBeGreaterThan(0);
  expect(browsed.filter((b) => b.answer && (b.answer.status !== 200 || !/^(CON|END) /.test(b.answer.body)))).toEqual(
    [],
  );

  // Every payout the confirmations decided is stored as a job; after a restart each is paid once.
  const releases = await Promise.all(deals.map((d) => releaseOf(db, d.id)));
  const jobs = await db.rows('select job_id from outbox_messages where job_id = any($1)', [
    releases.map((r) => `payout-${r.id}`),
  ]);
  expect(jobs).toHaveLength(BUYERS);
  service = await startService(env, { port });
  for (const d of deals)
    await releaseReaches(db, d.id, 'RELEASED', `the payout of ${d.code} after the restart`, 45_000);
  for (const d of deals) {
    const { payout_ref: ref } = await releaseOf(db, d.id);
    const paid = new Set(
      fake.deliveries
        .filter((x) => x.url.includes('/b2c/result/'))
        .map((x) => (x.body as any).Result)
        .filter((r) => r.OriginatorConversationID === ref && r.ResultCode === 0)
        .map((r) => r.TransactionID),
    );
    expect({ code: d.code, paid: paid.size }).toEqual({ code: d.code, paid: 1 });
    expect(fake.requestsTo(B2C_PATH).filter((r) => r.body.OriginatorConversationID === ref)).toHaveLength(1);
  }
  await eventually(async () => (await db.count('select 1 from outbox_messages where relayed_at is null')) === 0, {
    what: 'every outbox job relayed',
  });
}, 150_000);
