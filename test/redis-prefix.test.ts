import { loadConfig } from '../src/config';
import { startTestApp, type TestApp } from './support/app';
import { domainOf } from './support/drive';
import { eventually } from './support/eventually';
import { confirmedContract, FAST, fundAndWaitLocked } from './support/money-flow';

/**
 * Issue 10, defect 5: queues and rate limits belong to one deployment. Unless REDIS_PREFIX is set, it is derived
 * from the database, so two databases sharing one Redis never run each other's jobs.
 */
test('the default REDIS_PREFIX names the database; a set one wins', () => {
  const a = loadConfig({}, { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/voicepact' });
  const b = loadConfig({}, { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/voicepact_demo' });
  expect(a.REDIS_PREFIX).toBe('voicepact:voicepact');
  expect(b.REDIS_PREFIX).toBe('voicepact:voicepact_demo');
  expect(loadConfig({}, { REDIS_PREFIX: 'shared-one', DATABASE_URL: b.DATABASE_URL }).REDIS_PREFIX).toBe('shared-one');
});

describe('two deployments on two databases, one Redis, default prefixes', () => {
  let one: TestApp;
  let two: TestApp;
  beforeAll(async () => {
    // An empty REDIS_PREFIX means unset (as in .env files): each app derives its own from its database.
    [one, two] = await Promise.all([
      startTestApp('prefix_one', { ...FAST, REDIS_PREFIX: '' }, 'all'),
      startTestApp('prefix_two', { ...FAST, REDIS_PREFIX: '' }, 'all'),
    ]);
  });
  afterAll(async () => {
    for (const app of [one, two]) {
      await Promise.all(app.running.queues.all.map((q) => q.obliterate({ force: true }).catch(() => undefined)));
      await app.close();
    }
  });

  test("each runs only its own jobs: the other's queues never see them", async () => {
    expect(one.running.config.REDIS_PREFIX).not.toBe(two.running.config.REDIS_PREFIX);
    const wait = <T>(f: () => Promise<T | false>) => eventually(f, { what: 'deposit' });
    for (let i = 0; i < 3; i++) await fundAndWaitLocked(one, (await confirmedContract(one)).id, wait);
    const oneJobs = await one.running.queues.payments.getJobCounts('completed', 'failed', 'delayed', 'wait', 'active');
    expect(oneJobs.completed).toBeGreaterThanOrEqual(3); // the deposit jobs, run by the first app's workers
    expect(oneJobs.failed).toBe(0);
    // (The second app's housekeeping queue holds its own scheduled runs; these two hold only work for contracts.)
    for (const q of [two.running.queues.payments, two.running.queues.notifications]) {
      const counts = await q.getJobCounts('completed', 'failed', 'delayed', 'wait', 'active', 'prioritized');
      expect({ queue: q.name, ...counts }).toEqual({
        queue: q.name,
        completed: 0,
        failed: 0,
        delayed: 0,
        wait: 0,
        active: 0,
        prioritized: 0,
      });
    }
    expect(await domainOf(two).em.fork().getConnection().execute('select count(*)::int as n from payments')).toEqual([
      { n: 0 },
    ]);
  });
});
