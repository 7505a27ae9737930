import { freshPrefix, hop, createContract, newPhone, type Deal } from './support/flows';
import { Db } from './support/db';
import { PrivatePostgres } from './support/postgres';
import { gql, startService, type Service } from './support/service';
import { eventually } from '../support/eventually';
import { newSessionId, type Answer } from '../support/ussd-tester';

/**
 * PostgreSQL dies (pg_ctl -m immediate) under USSD traffic and comes back 8 s later. The handsets must get a
 * CON/END screen for every request within the USSD deadline (never a 5xx), /health says 503, GraphQL answers an
 * error with a code, the service recovers by itself, and every acceptance a handset was told about is stored.
 */

const DEADLINE_MS = 2000;
// The answer leaves after the deadline fires; the slack covers a busy 2-core machine, not a slow service.
const ANSWER_WITHIN_MS = DEADLINE_MS + 1500;
const OUTAGE_MS = 8000;
const HANDSETS = 6;

interface Seen {
  text: string;
  answer?: Answer;
  error?: string;
  ms: number;
  at: number;
}

const CONTRACTS = '{ contracts(first: 1) { nodes { id code } } }';

let pg: PrivatePostgres;
let service: Service;
let db: Db;

beforeAll(async () => {
  pg = await PrivatePostgres.create();
  const databaseUrl = pg.url('voicepact_faults');
  service = await startService({
    DATABASE_URL: databaseUrl,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: freshPrefix('pg'),
    PAYMENT_PROVIDER: 'sandbox',
    USSD_DEADLINE_MS: String(DEADLINE_MS),
    USSD_RATE_LIMIT_PER_MINUTE: '0',
  });
  db = new Db(databaseUrl);
}, 120_000);

afterAll(async () => {
  await service?.kill();
  await db?.close();
  await pg?.destroy();
});

test('PostgreSQL stopped for 8 s under traffic: screens, not 5xx; 503 health; recovery; nothing confirmed lost', async () => {
  const deals: Deal[] = [];
  for (let i = 0; i < 60; i++) deals.push(await createContract(service.url, `Crop${i}`));

  const before = await gql(service.url, CONTRACTS);
  expect(before).toEqual({ status: 200, body: { data: { contracts: { nodes: [expect.anything()] } } } });

  const seen: Seen[] = [];
  const told = new Map<string, Deal>(); // buyer -> deal, for every "accepted" screen a buyer saw
  let phase: 'before' | 'outage' | 'after' | 'done' = 'before';
  const send = async (phone: string, text: string, sessionId: string) => {
    const t0 = Date.now();
    const entry: Seen = { text, ms: 0, at: t0 };
    try {
      entry.answer = await hop(service.url, phone, text, sessionId);
    } catch (err) {
      entry.error = String((err as Error).cause ?? err);
    }
    entry.ms = Date.now() - t0;
    seen.push(entry);
    return entry.answer;
  };
  const queue = [...deals];
  // Each handset walks to a contract and accepts it; a screen that says "unavailable" is tried again in a new
  // session, as a person would redial. Bounded: the loop ends with the test's phases, when contracts run out, or
  // after 100 s. By time, not by a count of journeys: while the database is down each journey ends at its first
  // screen, and a count sized for that ran out during the outage on a quick machine (no handset left afterwards).
  const handset = async () => {
    let deal = queue.shift();
    const until = Date.now() + 100_000;
    while (deal && phase !== 'done' && Date.now() < until) {
      const sessionId = newSessionId();
      const path = ['', '1', '1*1', '1*1*3'];
      let last: Answer | undefined;
      for (const text of path) {
        last = await send(deal.buyer, text, sessionId);
        if (!last || last.end) break;
      }
      if (last?.body === `END Contract ${deal.code} accepted.\nYou will get an SMS when it is active.`) {
        told.set(deal.buyer, deal);
        deal = queue.shift();
      }
      await new Promise((r) => setTimeout(r, 20)); // think time between journeys (a load shape, not a wait)
    }
  };
  const traffic = Promise.all(Array.from({ length: HANDSETS }, handset));
  const waitFor = (what: string, check: () => boolean | Promise<boolean>) =>
    eventually(check, { what, timeoutMs: 30_000 }).catch((err) => {
      phase = 'done'; // the handsets stop too
      throw err;
    });

  await waitFor('acceptances before the outage', () => told.size >= 6);
  const toldBefore = told.size;
  await pg.stopImmediate();
  phase = 'outage';
  const outageStart = Date.now();

  // While it is down: health says 503, GraphQL answers with an error code (and no internals).
  const health: number[] = [];
  const graphql: any[] = [];
  while (Date.now() - outageStart < OUTAGE_MS) {
    const h = await fetch(`${service.url}/health`);
    health.push(h.status);
    await h.text();
    const g = await gql(service.url, CONTRACTS);
    graphql.push({ status: g.status, body: g.body });
    await new Promise((r) => setTimeout(r, 250));
  }
  await pg.start();
  phase = 'after';
  const outageEnd = Date.now();

  // Recovery by itself: health 200 again, and acceptances go on.
  await waitFor('health 200 after PostgreSQL came back', async () => {
    const h = await fetch(`${service.url}/health`);
    await h.text();
    return h.status === 200;
  });
  const toldAtRecovery = told.size;
  await waitFor('acceptances after the outage', () => told.size >= toldAtRecovery + 6);
  phase = 'done';
  await traffic;

  expect(service.alive()).toBe(true);
  // Every request got a screen, in time.
  const during = seen.filter((s) => s.at >= outageStart && s.at <= outageEnd);
  expect(during.length).toBeGreaterThan(10);
  expect(seen.filter((s) => s.error)).toEqual([]);
  expect(seen.filter((s) => s.answer!.status !== 200).map((s) => s.answer!.status)).toEqual([]);
  expect(seen.filter((s) => !/^(CON|END) /.test(s.answer!.body))).toEqual([]);
  expect(seen.filter((s) => s.ms > ANSWER_WITHIN_MS).map((s) => s.ms)).toEqual([]);
  expect(during.some((s) => s.answer!.body.includes('Service temporarily unavailable'))).toBe(true);

  expect(health.length).toBeGreaterThan(0);
  expect(health.filter((s) => s !== 503)).toEqual(health.slice(0, health.indexOf(503))); // 503 once it noticed
  expect(health).toContain(503);
  // Every GraphQL answer while it was down: an error whose code says so, no SQL, no stack, no driver message.
  const failed = graphql.filter((g) => !g.body?.data?.contracts);
  expect(failed.length).toBeGreaterThan(0);
  for (const g of failed) {
    expect(g.body.errors.map((e: any) => e.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(JSON.stringify(g.body)).not.toMatch(/select|connect|ECONNREFUSED|postgres|\bat \w+ \(/i);
  }

  // Nothing a handset was told is lost: each acceptance is in the database, with its audit event.
  expect(toldBefore).toBeGreaterThanOrEqual(6);
  for (const [buyer, deal] of told) {
    const [party] = await db.rows('select accepted_at from parties where contract_id = $1 and phone_number = $2', [
      deal.id,
      buyer,
    ]);
    expect({ buyer, acceptedAt: party?.accepted_at ?? null }).toEqual({ buyer, acceptedAt: expect.any(Date) });
  }
  // And a new handset gets the main menu.
  const fresh = await hop(service.url, newPhone(), '');
  expect(fresh.body).toMatch(/^CON Welcome to VoicePact/);
}, 150_000);
