import { dropDatabase, freshDatabaseUrl } from '../support/database';
import { newSessionId, type Answer } from '../support/ussd-tester';
import { Db } from './support/db';
import {
  activeContract,
  contractStatus,
  freshPrefix,
  FULL_DELIVERY_BY_BUYER,
  FULL_DELIVERY_WITH_NEW_PIN,
  hop,
  releaseReaches,
  walkToRelease,
  type Deal,
} from './support/flows';
import { startService, type Service } from './support/service';

/**
 * Two instances of the service (API and workers each) on one PostgreSQL and one Redis, started together, with
 * every handset's requests alternating between them as a load balancer without stickiness sends them. No screen
 * shows another phone's contract, and six simultaneous copies of a confirming request (three at each instance)
 * act once and all get the same answer.
 */

let a: Service;
let b: Service;
let db: Db;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = freshDatabaseUrl('fsuite_two');
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: freshPrefix('two'),
    PAYMENT_PROVIDER: 'sandbox',
    SANDBOX_SETTLE_MS: '50',
    OUTBOX_POLL_MS: '100',
  };
  // Started at the same moment: both find a database to create and migrations to run.
  [a, b] = await Promise.all([startService(env), startService(env)]);
  db = new Db(databaseUrl);
}, 120_000);

afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await db?.close();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

// A walk through every screen that names contracts: the list, the details, back, payments, a payment.
const JOURNEY = ['', '1', '1*1', '1*1*0', '1*1*0*0', '1*1*0*0*3', '1*1*0*0*3*1', '1*1*0*0*3*1*0', '1*1*0*0*3*1*0*0'];

test('handsets hopping between two instances only ever see their own contracts', async () => {
  const deals: Deal[] = [];
  for (let i = 0; i < 8; i++) deals.push(await activeContract(i % 2 ? a.url : b.url, db, `Produce${i}`));
  const instances = [a, b];
  const seen: Array<{ phone: string; own: string; text: string; answer: Answer }> = [];
  await Promise.all(
    deals.flatMap((deal, d) =>
      [deal.buyer, deal.seller].map(async (phone, p) => {
        for (let round = 0; round < 2; round++) {
          const sessionId = newSessionId();
          for (const [i, text] of JOURNEY.entries()) {
            const instance = instances[(i + d + p + round) % 2];
            seen.push({ phone, own: deal.code, text, answer: await hop(instance.url, phone, text, sessionId) });
          }
        }
      }),
    ),
  );
  expect(seen).toHaveLength(deals.length * 2 * 2 * JOURNEY.length);
  const codes = deals.map((d) => d.code);
  const wrong = seen.filter(({ own, answer }) => codes.some((c) => c !== own && answer.body.includes(c)));
  expect(wrong).toEqual([]);
  expect(seen.filter((s) => s.answer.status !== 200 || !/^(CON|END) /.test(s.answer.body))).toEqual([]);
  // The journey really showed the contracts: every handset saw its own code on the list, details and payments.
  for (const deal of deals)
    for (const phone of [deal.buyer, deal.seller]) {
      const mine = seen.filter((s) => s.phone === phone && s.answer.body.includes(deal.code)).map((s) => s.text);
      expect(new Set(mine)).toEqual(new Set(['1', '1*1', '1*1*0', '1*1*0*0*3', '1*1*0*0*3*1', '1*1*0*0*3*1*0']));
    }
}, 120_000);

test('six simultaneous copies of a confirming request, three at each instance, act once', async () => {
  const deal = await activeContract(a.url, db, 'Coffee');
  const sessionId = newSessionId();
  // Up to the PIN typed the second time, hopping between the instances; that last hop releases the money.
  await walkToRelease([a.url, b.url], deal.buyer, deal.code, sessionId);

  const copies = await Promise.all(
    [a, b, a, b, a, b].map((instance) => hop(instance.url, deal.buyer, FULL_DELIVERY_WITH_NEW_PIN, sessionId)),
  );
  expect(copies.map((c) => [c.status, c.body])).toEqual(copies.map(() => [200, FULL_DELIVERY_BY_BUYER]));

  expect(await contractStatus(db, deal.id)).toBe('COMPLETED');
  expect(await db.count('select 1 from deliveries where contract_id = $1', [deal.id])).toBe(1);
  const transitions = await db.rows(
    `select from_state, to_state from audit_events where contract_id = $1 and subject = 'contract' and to_state = 'COMPLETED'`,
    [deal.id],
  );
  expect(transitions).toHaveLength(1);
  const release = await releaseReaches(db, deal.id, 'RELEASED', 'the payout');
  expect(await db.count(`select 1 from outbox_messages where job_id = $1`, [`payout-${release.id}`])).toBe(1);
  for (const action of ['payout-sending', 'payout-settled'])
    expect({
      action,
      n: await db.count('select 1 from audit_events where subject_id = $1 and action = $2', [release.id, action]),
    }).toEqual({ action, n: 1 });
}, 120_000);
