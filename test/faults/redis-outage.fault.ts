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
  paymentState,
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
  // The decisions are stored; nothing could reach the queues, so nothing was paid yet.
  const pending = await db.rows(`select job_id, relayed_at from outbox_messages where job_id = any($1)`, [
    deals.map((d) => `payout-${d.paymentId}`),
  ]);
  expect(pending).toHaveLength(deals.length);
  expect(pending.filter((r) => r.relayed_at)).toEqual([]);
  expect(fake.requestsTo(B2C_PATH)).toHaveLength(0);

  await redis.start();
  for (const d of deals)
    await eventually(async () => (await paymentState(db, d.paymentId)).status === 'RELEASED', {
      what: `the payout of ${d.code} after Redis came back`,
      timeoutMs: 30_000,
    });

  for (const d of deals) {
    const { payout_ref: ref } = await paymentState(db, d.paymentId);
    expect(fake.requestsTo(B2C_PATH).filter((r) => r.body.OriginatorConversationID === ref)).toHaveLength(1);
    const settled = await db.count(`select 1 from audit_events where subject_id = $1 and action = 'payout-settled'`, [
      d.paymentId,
    ]);
    expect({ code: d.code, settled }).toEqual({ code: d.code, settled: 1 });
  }
  expect(fake.requestsTo(B2C_PATH)).toHaveLength(deals.length);
  expect(service.alive()).toBe(true);
}, 120_000);
