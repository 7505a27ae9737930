import { FakeAfricasTalkingServer } from '../fakes/fake-at.server';
import { FakeMpesaServer } from '../fakes/fake-mpesa.server';
import { dropDatabase, freshDatabaseUrl } from '../support/database';
import { eventually } from '../support/eventually';
import { B2C_PATH, mpesaEnv } from '../support/mpesa-app';
import { freePort } from '../support/redis-server';
import { Db } from './support/db';
import {
  activeContract,
  confirmFullDelivery,
  freshPrefix,
  FULL_DELIVERY_BY_BUYER,
  releaseOf,
  releaseReaches,
} from './support/flows';
import { startService, type Service } from './support/service';

/**
 * The API and the workers in separate processes (`--role=api`, `--role=worker`). For each way M-Pesa can misbehave,
 * a buyer confirms on the handset, the worker is SIGKILLed while M-Pesa holds the B2C request, and a new worker
 * takes over while M-Pesa answers 500, times out, answers twice, or never answers again. Each payout happens
 * exactly once, or stays LOCKED with exactly one alert to support.
 */

const STATUS_PATH = '/mpesa/transactionstatus/v1/query';
const ALERT_PHONE = '+254700000999'; // SUPPORT_ALERT_PHONE in mpesaEnv

let fake: FakeMpesaServer;
let at: FakeAfricasTalkingServer;
let api: Service;
let worker: Service;
let db: Db;
let databaseUrl: string;
let env: Record<string, string>;

beforeAll(async () => {
  fake = new FakeMpesaServer();
  at = new FakeAfricasTalkingServer();
  const [fakeUrl, atUrl] = await Promise.all([fake.start(), at.start()]);
  const port = await freePort();
  databaseUrl = freshDatabaseUrl('fsuite_kill');
  env = mpesaEnv(fakeUrl, port, {
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: freshPrefix('kill'),
    AT_USERNAME: 'sandbox',
    AT_API_KEY: at.apiKey,
    AT_BASE_URL: atUrl,
    SUPPORT_ALERT_PHONE: ALERT_PHONE,
  });
  api = await startService(env, { role: 'api', port });
  worker = await startService(env, { role: 'worker' });
  db = new Db(databaseUrl);
}, 120_000);

// A case's faults are for its own payout. One left over (say a stall that the in-doubt protocol did not need) would
// hit the next case's deposit prompt: never answered, that deposit could not be LOCKED in time.
afterEach(() => {
  fake.clearFaults();
});

afterAll(async () => {
  await worker?.kill();
  await api?.kill();
  await db?.close();
  await fake?.stop();
  await at?.stop();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

const requestsFor = (path: string, key: string, ref: string) =>
  fake.requestsTo(path).filter((r) => r.body[key] === ref);
/** Distinct M-Pesa transactions that paid this payout, as its result callbacks tell them. */
const paidTransactions = (ref: string) =>
  new Set(
    fake.deliveries
      .filter((d) => d.url.includes('/b2c/result/'))
      .map((d) => (d.body as any).Result)
      .filter((r) => r.OriginatorConversationID === ref && r.ResultCode === 0)
      .map((r) => r.TransactionID),
  );
const alertsAbout = (code: string) =>
  at.requests.filter((r) => r.form.to === ALERT_PHONE && r.form.message?.includes(code));
const audits = (paymentId: string, action: string) =>
  db.count(`select 1 from audit_events where subject_id = $1 and action = $2`, [paymentId, action]);

/** Confirms the delivery, holds the B2C at "M-Pesa", SIGKILLs the worker then, and starts another one. */
async function killDuringPayout(faultAfterKill: () => void, workerEnv: Record<string, string> = {}) {
  const deal = await activeContract(api.url, db, 'Sorghum');
  fake.stallNext(1); // the B2C request reaches M-Pesa and is never answered
  const answer = await confirmFullDelivery(api.url, deal.buyer);
  expect(answer.body).toBe(FULL_DELIVERY_BY_BUYER);
  const { id: releaseId, payout_ref: ref } = await eventually(
    async () => {
      const p = await releaseOf(db, deal.id);
      return p.payout_ref && requestsFor(B2C_PATH, 'OriginatorConversationID', p.payout_ref).length === 1 ? p : false;
    },
    { what: 'the B2C request to be in flight', timeoutMs: 20_000 },
  );
  await worker.kill();
  faultAfterKill();
  worker = await startService({ ...env, ...workerEnv }, { role: 'worker' });
  return { ...deal, releaseId, ref: ref! };
}

async function expectPaidOnce(deal: { id: string; releaseId: string; ref: string; code: string; seller: string }) {
  await releaseReaches(db, deal.id, 'RELEASED', `the payout of ${deal.code} after the restart`, 45_000);
  expect(paidTransactions(deal.ref).size).toBe(1);
  expect(await audits(deal.releaseId, 'payout-settled')).toBe(1);
  // Sent again only after M-Pesa said it had no such payout.
  expect(requestsFor(STATUS_PATH, 'OriginalConversationID', deal.ref).length).toBeGreaterThanOrEqual(1);
  expect(await audits(deal.releaseId, 'payout-not-found')).toBe(1);
  expect(alertsAbout(deal.code)).toEqual([]);
  // And the seller's phone hears of it once.
  const paidSms = () => at.requests.filter((r) => r.form.to === deal.seller && r.form.message === paidText(deal.code));
  await eventually(() => paidSms().length > 0, { what: `the seller's SMS for ${deal.code}` });
  expect(paidSms()).toHaveLength(1);
}
const paidText = (code: string) => `VoicePact ${code}: KES 2,500 has been paid to your M-Pesa.`;

test('M-Pesa answers 500 after the restart: paid once', async () => {
  const deal = await killDuringPayout(() => fake.failNext(2, 500));
  await expectPaidOnce(deal);
}, 90_000);

test('M-Pesa times out after the restart: paid once', async () => {
  const deal = await killDuringPayout(() => fake.stallNext(2));
  await expectPaidOnce(deal);
}, 90_000);

test('M-Pesa answers every callback twice: paid once, settled once', async () => {
  const deal = await killDuringPayout(() => (fake.duplicateCallbacks = true));
  try {
    await expectPaidOnce(deal);
    const results = fake.deliveries.filter(
      (d) => d.url.includes('/b2c/result/') && (d.body as any).Result.OriginatorConversationID === deal.ref,
    );
    expect(results.length).toBe(2); // both copies arrived and were acknowledged
    expect(results.map((r) => r.status)).toEqual([200, 200]);
  } finally {
    fake.duplicateCallbacks = false;
  }
}, 90_000);

test('M-Pesa never answers again: the payout stays LOCKED, support is alerted once', async () => {
  // Reconciliation every second and an alert after 3 s of no answer, so that this case ends in seconds.
  const deal = await killDuringPayout(() => fake.stallNext(100_000), {
    RECONCILE_EVERY_SECONDS: '1',
    PAYOUT_ALERT_AFTER_MINUTES: '0.05',
  });
  await eventually(() => alertsAbout(deal.code).length > 0, { what: 'the alert to support', timeoutMs: 45_000 });
  // Reconciliation keeps asking M-Pesa; each pass finds the alert already raised.
  const asked = requestsFor(STATUS_PATH, 'OriginalConversationID', deal.ref).length;
  await eventually(() => requestsFor(STATUS_PATH, 'OriginalConversationID', deal.ref).length >= asked + 3, {
    what: 'three more status queries after the alert',
    timeoutMs: 45_000,
  });
  expect(alertsAbout(deal.code)).toHaveLength(1);
  expect(alertsAbout(deal.code)[0].form.message).toMatch(/^VoicePact ALERT /);
  expect((await releaseOf(db, deal.id)).status).toBe('LOCKED');
  expect(await audits(deal.releaseId, 'payout-not-found')).toBe(0); // never sent again without an answer
  expect(requestsFor(B2C_PATH, 'OriginatorConversationID', deal.ref)).toHaveLength(1);
  expect(paidTransactions(deal.ref).size).toBe(0);
}, 120_000);
