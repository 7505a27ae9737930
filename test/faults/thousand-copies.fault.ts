import { dropDatabase, freshDatabaseUrl } from '../support/database';
import { newSessionId } from '../support/ussd-tester';
import { Db } from './support/db';
import {
  activeContract,
  contractStatus,
  freshPrefix,
  FULL_DELIVERY_BY_BUYER,
  FULL_DELIVERY_WITH_NEW_PIN,
  hop,
  releaseOf,
  releaseReaches,
  walkToRelease,
} from './support/flows';
import { startService, type Service } from './support/service';

/**
 * 1,000 copies of one mutating USSD request (the buyer's Full Delivery) at the same moment, as a retrying
 * gateway or a hostile client might send them: the delivery is recorded once, the contract completes once, the
 * payout is decided and paid once, and every copy gets a screen (the stored reply, or "unavailable").
 */

const COPIES = 1000;
const UNAVAILABLE = 'END Service temporarily unavailable. Please try again later.';

let service: Service;
let db: Db;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = freshDatabaseUrl('fsuite_1000');
  service = await startService({
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: freshPrefix('1000'),
    PAYMENT_PROVIDER: 'sandbox',
    SANDBOX_SETTLE_MS: '50',
    OUTBOX_POLL_MS: '100',
    // The copies are one phone's: the per-phone limit would turn most away before they reach the row lock.
    USSD_RATE_LIMIT_PER_MINUTE: '0',
  });
  db = new Db(databaseUrl);
}, 120_000);

afterAll(async () => {
  await service?.kill();
  await db?.close();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

test('1,000 concurrent copies of one mutating hop act once', async () => {
  const deal = await activeContract(service.url, db, 'Tea');
  const sessionId = newSessionId();
  // Up to the last screen before the money moves; the copied hop is the one that releases it (the PIN again).
  await walkToRelease(service.url, deal.buyer, deal.code, sessionId);

  const copies = await Promise.all(
    Array.from({ length: COPIES }, () =>
      hop(service.url, deal.buyer, FULL_DELIVERY_WITH_NEW_PIN, sessionId).catch((err) => ({
        status: 0,
        body: String((err as Error).cause ?? err),
      })),
    ),
  );
  const bodies = new Map<string, number>();
  for (const c of copies) bodies.set(`${c.status} ${c.body}`, (bodies.get(`${c.status} ${c.body}`) ?? 0) + 1);
  // Every copy: 200 and either the one reply the hop stored or, past the deadline, "unavailable".
  expect([...bodies.keys()].filter((k) => k !== `200 ${FULL_DELIVERY_BY_BUYER}` && k !== `200 ${UNAVAILABLE}`)).toEqual(
    [],
  );
  expect(bodies.get(`200 ${FULL_DELIVERY_BY_BUYER}`)).toBeGreaterThan(0);

  expect(await contractStatus(db, deal.id)).toBe('COMPLETED');
  expect(await db.count('select 1 from deliveries where contract_id = $1', [deal.id])).toBe(1);
  expect(
    await db.count(
      `select 1 from audit_events where contract_id = $1 and subject = 'contract' and to_state = 'COMPLETED'`,
      [deal.id],
    ),
  ).toBe(1);
  const release = await releaseReaches(db, deal.id, 'RELEASED', 'the payout');
  expect(await db.count('select 1 from outbox_messages where job_id = $1', [`payout-${release.id}`])).toBe(1);
  expect(
    await db.count(`select 1 from audit_events where subject_id = $1 and action = 'payout-sending'`, [release.id]),
  ).toBe(1);
  // The session went on from the stored reply: one more request in it is a replay too, not a second act.
  expect((await hop(service.url, deal.buyer, FULL_DELIVERY_WITH_NEW_PIN, sessionId)).body).toBe(FULL_DELIVERY_BY_BUYER);
  expect((await releaseOf(db, deal.id)).status).toBe('RELEASED');
  expect(service.alive()).toBe(true);
}, 120_000);
