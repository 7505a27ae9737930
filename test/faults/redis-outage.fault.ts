import { FakeMpesaServer } from '../fakes/fake-mpesa.server';
import { dropDatabase, freshDatabaseUrl } from '../support/database';
import { eventually } from '../support/eventually';
import { B2C_PATH, mpesaEnv } from '../support/mpesa-app';
import { freePort, PrivateRedis } from '../support/redis-server';
import { Db } from './support/db';
import {
  activeContract,
  confirmFullDelivery,
  contractStatus,
  freshPrefix,
  FULL_DELIVERY_BY_BUYER,
  releaseOf,
  releaseReaches,
} from './support/flows';
import { startService, type Service } from './support/service';

/**
 * Redis (queues, rate limits) dies while buyers confirm deliveries on their handsets. The phones are told the
 * delivery is confirmed; the payouts wait in the outbox, and once Redis is back (empty: no persistence) every
 * payout is sent once and settled once.
 */

let redis: PrivateRedis;
let fake: FakeMpesaServer;
let service: Service;
let db: Db;
let databaseUrl: string;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  fake = new FakeMpesaServer();
  const fakeUrl = await fake.start();
  const port = await freePort();
  databaseUrl = freshDatabaseUrl('fsuite_redis');
  service = await startService(
    mpesaEnv(fakeUrl, port, {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: freshPrefix('redis'),
    }),
    { port },
  );
  db = new Db(databaseUrl);
}, 120_000);

afterAll(async () => {
  await service?.kill();
  await db?.close();
  await fake?.stop();
  await redis?.stop();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

test('deliveries confirmed while Redis is down are confirmed for the phones and paid once when it is back', async () => {
  const deals = [];
  for (let i = 0; i < 4; i++) deals.push(await activeContract(service.url, db, `Beans${i}`));

  await redis.stop();
  await eventually(
    async () => {
      const res = await fetch(`${service.url}/health`);
      return res.status === 503 && (await res.json()).redis === 'down';
    },
    { what: 'health to report Redis down' },
  );

  const answers = await Promise.all(deals.map((d) => confirmFullDelivery(service.url, d.buyer)));
  expect(answers.map((a) => [a.status, a.body])).toEqual(deals.map(() => [200, FULL_DELIVERY_BY_BUYER]));
  for (const d of deals) expect(await contractStatus(db, d.id)).toBe('COMPLETED');
  // The decisions are stored (one RELEASE row each); nothing could reach the queues, so nothing was paid yet.
  const releases = await Promise.all(deals.map((d) => releaseOf(db, d.id)));
  expect(releases.map((r) => r.status)).toEqual(deals.map(() => 'LOCKED'));
  const pending = await db.rows(`select job_id, relayed_at from outbox_messages where job_id = any($1)`, [
    releases.map((r) => `payout-${r.id}`),
  ]);
  expect(pending).toHaveLength(deals.length);
  expect(pending.filter((r) => r.relayed_at)).toEqual([]);
  expect(fake.requestsTo(B2C_PATH)).toHaveLength(0);

  await redis.start();
  for (const d of deals) await releaseReaches(db, d.id, 'RELEASED', `the payout of ${d.code} after Redis came back`);

  for (const d of deals) {
    const { id, payout_ref: ref } = await releaseOf(db, d.id);
    expect(fake.requestsTo(B2C_PATH).filter((r) => r.body.OriginatorConversationID === ref)).toHaveLength(1);
    const settled = await db.count(`select 1 from audit_events where subject_id = $1 and action = 'payout-settled'`, [
      id,
    ]);
    expect({ code: d.code, settled }).toEqual({ code: d.code, settled: 1 });
  }
  expect(fake.requestsTo(B2C_PATH)).toHaveLength(deals.length);
  expect(service.alive()).toBe(true);
}, 120_000);
