import { Client } from 'pg';
import { countSqlStatements } from '../src/server/sql-statements';
import { stop } from '../src/server/shutdown';
import { startTestApp, type TestApp } from './support/app';
import { passDeadline } from './support/drive';
import { activeContract, newPhone } from './support/ussd-fixtures';
import { ussd, type Handset } from './support/ussd-tester';

/**
 * Issue 12: what a hop costs in SQL statements, session bookkeeping included (counted in the pg driver of
 * this process, where the app runs). A screen that only reads: at most 2; a static screen: the session's one.
 */

const sent = countSqlStatements();
let app: TestApp;
let phone: ReturnType<typeof ussd>;
beforeAll(async () => {
  app = await startTestApp('ussd_statements', { USSD_RATE_LIMIT_PER_MINUTE: '0' });
  phone = ussd(app.url);
});
afterAll(() => app.close());

/** Statements sent while this step ran (the app answers before the response arrives). */
async function cost(h: Handset, step: (h: Handset) => Handset): Promise<number> {
  await h;
  const before = sent();
  await step(h);
  return sent() - before;
}

test('a walk: reading screens cost at most 2 statements, static screens only the session save', async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone(), product: 'Maize' });
  const h = phone.session(buyer);
  // The first hop opens the session (one statement, with the phone's previous one) and asks the language once.
  expect(await cost(h, (x) => x.send('').expect('Welcome to VoicePact'))).toBeLessThanOrEqual(3);
  expect(await cost(h, (x) => x.enter('1').expect(`${c.code} Maize`))).toBeLessThanOrEqual(2);
  // The contract's screen: its parties and payments come in the contract's own statement (contract(id) brings
  // the lists its selection asks for), then the session save.
  expect(await cost(h, (x) => x.enter('1').expect(`Product: Maize`))).toBeLessThanOrEqual(2);
  // Back to the list: its screen was stored with the session.
  expect(await cost(h, (x) => x.enter('0').expect(`${c.code} Maize`))).toBe(1);
  expect(await cost(h, (x) => x.enter('0').expect('Welcome to VoicePact'))).toBe(1);
  expect(await cost(h, (x) => x.enter('4').expect('Help'))).toBe(1);
  expect(await cost(h, (x) => x.enter('1').expect('Kiswahili'))).toBe(1);
  expect(await cost(h, (x) => x.enter('0').expect('Help'))).toBe(1);
  expect(await cost(h, (x) => x.enter('0').expect('Welcome to VoicePact'))).toBe(1);
  // The payments list brings each payment's contract in the same statement.
  expect(await cost(h, (x) => x.enter('3').expect(`${c.code} KES`))).toBeLessThanOrEqual(2);
  expect(await cost(h, (x) => x.enter('1').expect('Payment Details'))).toBe(1);
});

test("past the deadline, the buyer's contract screen with its two choices costs no more (deliveryOverdue reads none)", async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone(), product: 'Maize' });
  await passDeadline(app, c.id);
  const h = phone.session(buyer);
  await h.send('1').expect(`${c.code} Maize`);
  expect(
    await cost(h, (x) => x.enter('1').expect('6. Extend 7 days\n7. Refund what was not delivered')),
  ).toBeLessThanOrEqual(2);
});

test('a replay is answered from the stored reply, read from the table', async () => {
  const h = phone.dial(newPhone()).enter('4').expect('Help');
  const first = (await h).body;
  expect(await cost(h, (x) => x.send(x.path).check((a) => expect(a.body).toBe(first)))).toBe(1);
});

test('a session moved on by another instance is answered and stored from the table, not from the remembered row', async () => {
  // A second instance over the same database: the session table is what instances share.
  const other = await startTestApp('unused', { DATABASE_URL: app.databaseUrl, USSD_RATE_LIMIT_PER_MINUTE: '0' });
  const db = new Client({ connectionString: app.databaseUrl });
  await db.connect();
  try {
    const caller = newPhone();
    const here = phone.dial(caller).enter('4').expect('Help'); // this instance remembers the session at Help
    await here;
    const there = ussd(other.url).session(caller, here.sessionId);
    await there.send('4*0').expect('Welcome to VoicePact'); // the other instance answers the next hop
    const last = await here.send('4*0*4').expect('Help');
    const { rows } = await db.query('select hops, last_input, last_response from ussd_sessions where session_id = $1', [
      here.sessionId,
    ]);
    expect(rows[0]).toEqual({ hops: 4, last_input: '4*0*4', last_response: last.body });
  } finally {
    await db.end();
    await stop(other.running); // not close(): the database is this file's app's
  }
});
