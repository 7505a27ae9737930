import { Redis } from 'ioredis';
import { Client } from 'pg';
import { createLogger } from '../src/common/logger';
import { loadConfig } from '../src/config';
import { HopRunner } from '../adapters/ussd/ussd.hop';
import { PhoneRateLimiter } from '../adapters/ussd/ussd.limiter';
import { createUssdMetrics } from '../adapters/ussd/ussd.metrics';
import { createEngine } from '../adapters/ussd/menus';
import { allowList, isAllowed } from '../adapters/http/allow-list';
import { startTestApp, type TestApp } from './support/app';
import { eventually } from './support/eventually';
import { contractState, newPhone, pendingContract } from './support/ussd-fixtures';
import { newSessionId, postEvent, postUssd, SERVICE_CODE, ussd } from './support/ussd-tester';

/** The deadline, who may call, bad fields, the rate limit. */

const UNAVAILABLE = 'END Service temporarily unavailable. Please try again later.';

let app: TestApp;
let phone: ReturnType<typeof ussd>;
beforeAll(async () => {
  app = await startTestApp('ussd_guards', {
    USSD_DEADLINE_MS: '500',
    USSD_RATE_LIMIT_PER_MINUTE: '8',
    USSD_RESUME_AFTER_SILENCE_SECONDS: '1',
    TRUST_PROXY: '1',
  });
  phone = ussd(app.url);
});
afterAll(() => app.close());

/** One query on a connection of its own (the tests watch the database while the app works on it). */
async function sql<T>(text: string, values: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: app.databaseUrl });
  await db.connect();
  try {
    return (await db.query(text, values)).rows as T[];
  } finally {
    await db.end();
  }
}

const fields = (over: Record<string, string | string[]> = {}) => ({
  sessionId: newSessionId(),
  serviceCode: SERVICE_CODE,
  phoneNumber: newPhone(),
  text: '',
  ...over,
});

test('past USSD_DEADLINE_MS the caller gets the unavailable screen, and nothing happened', async () => {
  const buyer = newPhone();
  const c = await pendingContract(app, { buyer, seller: newPhone() });
  const handset = phone.session(buyer).send('1*1').expect('3. Accept Contract');
  await handset;
  // Someone else holds the contract's row lock: the acceptance waits behind it.
  const blocker = new Client({ connectionString: app.databaseUrl });
  await blocker.connect();
  await blocker.query('begin');
  await blocker.query('select id from contracts where id = $1 for update', [c.id]);
  try {
    // Answered while the lock is still held, so the deadline (not the work) ended the hop: no clock needed.
    const late = await postUssd(app.url, {
      sessionId: handset.sessionId,
      serviceCode: SERVICE_CODE,
      phoneNumber: buyer,
      text: '1*1*3',
    });
    expect(late).toMatchObject({ status: 200, body: UNAVAILABLE });
  } finally {
    await blocker.query('rollback');
    await blocker.end();
  }
  // The hop went on once the lock was free, saw it was too late, and rolled its acceptance back: its
  // transaction holds a lock on the contracts table until then.
  await eventually(
    async () =>
      (
        await sql<{ n: number }>(
          `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
           where c.relname = 'contracts' and l.pid <> pg_backend_pid()`,
        )
      )[0].n === 0,
    { what: 'the late hop to finish' },
  );
  expect((await contractState(app, c.id)).parties.find((p) => p.phoneNumber === buyer)!.acceptedAt).toBeNull();
  // AT resends (or the person tries again): this time it acts, once.
  await handset.send('1*1*3').expectEnd(`Contract ${c.code} accepted.\nYou will get an SMS when it is active.`);
  expect((await contractState(app, c.id)).parties.find((p) => p.phoneNumber === buyer)!.acceptedAt).not.toBeNull();
});

test('the last session, silent for USSD_RESUME_AFTER_SILENCE_SECONDS, is offered without word from AT', async () => {
  const me = newPhone();
  const first = phone.dial(me);
  await first.enter('4').expect('VoicePact Help');
  // The same test the service makes (PostgreSQL's clock), so "silent long enough" is the condition waited for.
  await eventually(
    async () =>
      (
        await sql<{ over: boolean }>(
          `select updated_at < now() - interval '1 second' as over from ussd_sessions where session_id = $1`,
          [first.sessionId],
        )
      )[0]?.over,
    { what: 'the first session to be silent for a second' },
  );
  await phone.dial(me).expect('Continue where you left off?').enter('1').expect('VoicePact Help');
});

describe('who may call', () => {
  test('behind a trusted proxy, the address the proxy appended decides', async () => {
    expect((await postUssd(app.url, fields(), { 'x-forwarded-for': '196.201.214.5' })).status).toBe(403);
    // The caller wrote "127.0.0.1" itself; our proxy appended the real address.
    expect((await postUssd(app.url, fields(), { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' })).status).toBe(403);
    const ok = await postUssd(app.url, fields(), { 'x-forwarded-for': '203.0.113.9, 127.0.0.1' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/^CON Welcome to VoicePact/);
  });

  test('outside USSD_ALLOWED_IPS: 403 for the webhook and the notification', async () => {
    const closed = await startTestApp('ussd_closed', { USSD_ALLOWED_IPS: '196.201.214.0/24,2c0f:fe38::/32' });
    try {
      const res = await postUssd(closed.url, fields());
      expect(res).toMatchObject({ status: 403, body: 'Forbidden' });
      expect((await postEvent(closed.url, { sessionId: 'x', status: 'Success' })).status).toBe(403);
      // X-Forwarded-For means nothing without TRUST_PROXY.
      expect((await postUssd(closed.url, fields(), { 'x-forwarded-for': '196.201.214.5' })).status).toBe(403);
    } finally {
      await closed.close();
    }
  });

  test('a bad USSD_ALLOWED_IPS entry is refused with its name (createApp throws, so start-up stops)', () => {
    expect(() => allowList('USSD_ALLOWED_IPS', ['10.0.0.0/8', 'not-an-ip'])).toThrow(/USSD_ALLOWED_IPS: "not-an-ip"/);
    expect(() => allowList('USSD_ALLOWED_IPS', ['10.0.0.0/99'])).toThrow();
    const list = allowList('USSD_ALLOWED_IPS', ['196.201.214.0/24', '2c0f:fe38::/32', '127.0.0.1']);
    expect(
      ['196.201.214.200', '::ffff:196.201.214.9', '2c0f:fe38:2::1', '127.0.0.1'].map((ip) => isAllowed(list, ip)),
    ).toEqual([true, true, true, true]);
    expect(['196.201.215.1', '127.0.0.2', '::1', 'garbage', ''].map((ip) => isAllowed(list, ip))).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

test('the webhook answers text/plain, with or without the trailing slash', async () => {
  for (const path of ['/api/v1/ussd/', '/api/v1/ussd']) {
    const res = await fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields()).toString(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toMatch(/^CON Welcome to VoicePact\n/);
  }
});

describe('bad fields are a 4xx with a short message, never a crash', () => {
  test.each([
    ['a missing sessionId', { sessionId: [] }, /sessionId/],
    ['an over-long sessionId', { sessionId: 'A'.repeat(101) }, /sessionId/],
    ['a sessionId with spaces', { sessionId: 'AT id 1' }, /sessionId/],
    ['a missing phoneNumber', { phoneNumber: [] }, /phoneNumber is missing/],
    ['a phoneNumber that is not one', { phoneNumber: '12345' }, /not a valid phone number/],
    ['an over-long serviceCode', { serviceCode: `*${'1'.repeat(60)}#` }, /serviceCode/],
    ['text sent twice', { text: ['1', '2'] }, /text must be a single value/],
  ])('%s', async (_name, over, message) => {
    const res = await postUssd(app.url, fields(over as Record<string, string | string[]>));
    expect(res.status).toBe(400);
    expect(res.body).toMatch(message);
  });

  test('a body over the limit is refused before it is read whole', async () => {
    const res = await postUssd(app.url, fields({ text: '1*'.repeat(6000) }));
    expect(res.status).toBe(413);
  });

  test('a sessionId another phone already uses', async () => {
    const sessionId = newSessionId();
    expect((await postUssd(app.url, fields({ sessionId }))).status).toBe(200);
    const res = await postUssd(app.url, fields({ sessionId }));
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/another phoneNumber/);
  });
});

test('USSD_RATE_LIMIT_PER_MINUTE per phone, answered with an END screen', async () => {
  const me = newPhone();
  const handset = phone.dial(me);
  for (let i = 0; i < 7; i++) handset.enter('4').enter('0');
  await handset;
  const answers = handset.answers;
  expect(answers.slice(0, 8).every((a) => a.body.startsWith('CON '))).toBe(true);
  expect(answers[8].body).toBe(
    'END Too many requests. Please try again in a minute.\nMaombi mengi mno. Jaribu tena baada ya dakika moja.',
  );
  // Another phone is not affected.
  await phone.dial(newPhone()).expect('Welcome to VoicePact');
});

test('the rate limit fails open when Redis is away (counted as an error)', async () => {
  const config = loadConfig({}, { USSD_RATE_LIMIT_PER_MINUTE: '1' });
  const metrics = createUssdMetrics();
  const down = new Redis('redis://127.0.0.1:1', {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    lazyConnect: true,
  });
  down.on('error', () => undefined);
  try {
    const limiter = new PhoneRateLimiter(down, config, createLogger('silent'), metrics);
    expect(await limiter.allow('+254712345678')).toBe(true);
    expect(await limiter.allow('+254712345678')).toBe(true);
    expect(await metrics.registry.getSingleMetricAsString('ussd_errors_total')).toContain(
      'ussd_errors_total{kind="rate_limit_store"} 2',
    );
  } finally {
    down.disconnect();
  }
});

test('an unexpected fault is the unavailable screen, logged, never a 5xx', async () => {
  const config = loadConfig({}, {});
  const store = { open: async () => Promise.reject(new Error('database is on fire')) };
  const errors: unknown[] = [];
  const log = { ...createLogger('silent'), error: (o: unknown) => errors.push(o), warn: () => undefined } as never;
  const runner = new HopRunner({
    config,
    logger: log,
    orm: { em: { fork: () => ({}) } } as never,
    apollo: {} as never,
    domainDeps: {} as never,
    store: store as never,
    engine: createEngine(),
  });
  const answer = await runner.answer({ sessionId: 's', phone: '+254712345678', text: '' }, log);
  expect(answer).toMatchObject({ text: UNAVAILABLE, outcome: 'error' });
  expect(errors).toHaveLength(1);
});
