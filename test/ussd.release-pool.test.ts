import { startTestApp, type TestApp } from './support/app';
import { TEST_PIN } from './support/drive';
import { activeContract, contractState, newPhone } from './support/ussd-fixtures';
import { newSessionId, postUssd, SERVICE_CODE } from './support/ussd-tester';

/**
 * A release checks the PIN in a transaction of its own (its wrong-attempt count must commit even when the release
 * rolls back), while the hop's transaction holds its connection. More such hops at once than the pool has
 * connections (10) must still each finish: here 25 copies of one release hop, which all hold a connection while
 * they wait for the session's row lock. Taken from the same pool, the PIN's transaction waited for a connection
 * that only the waiters behind it could give back, until the USSD deadline said "unavailable" to every copy.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('ussd_release_pool', { USSD_RATE_LIMIT_PER_MINUTE: '0', USSD_DEADLINE_MS: '3000' });
});
afterAll(() => app.close());

const FULL = 'END Full delivery confirmed!\nSeller will be notified.\nPayment will be released.';

test('25 copies of a release hop at once: each answered with the one stored reply, the delivery recorded once', async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone() });
  const sessionId = newSessionId();
  const send = (text: string) =>
    postUssd(app.url, { sessionId, serviceCode: SERVICE_CODE, phoneNumber: buyer, networkCode: '63902', text });
  for (const text of ['', '2', '2*1', '2*1*1']) await send(text);
  expect((await send('2*1*1*1')).body).toMatch(/Create a 4-digit/);
  expect((await send(`2*1*1*1*${TEST_PIN}`)).body).toMatch(/again/);

  const copies = await Promise.all(Array.from({ length: 25 }, () => send(`2*1*1*1*${TEST_PIN}*${TEST_PIN}`)));
  expect(copies.map((a) => `${a.status} ${a.body}`)).toEqual(copies.map(() => `200 ${FULL}`));
  const state = await contractState(app, c.id);
  expect(state.status).toBe('COMPLETED');
  expect(state.deliveries).toHaveLength(1);
});
