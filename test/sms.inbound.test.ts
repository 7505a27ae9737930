import type { DevSmsSender } from '../adapters/sms/dev-sms.sender';
import { startTestApp, type TestApp } from './support/app';
import { eventually } from './support/eventually';
import { FAST } from './support/money-flow';
import { newPhone, pendingContract } from './support/ussd-fixtures';

/** Issue 9: two-way SMS. HELP/MSAADA, STATUS VP-XXXXXX to parties only, one reply per message id. */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('sms_inbound', { ...FAST, TRUST_PROXY: '1', SUPPORT_PHONE: '0711 000 999' }, 'all');
});
afterAll(() => app.close());

let n = 0;
const inbound = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/api/v1/sms/inbound`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ to: '22384', date: new Date().toISOString(), linkId: 'L1', ...fields }).toString(),
  });
const message = (from: string, text: string, id = `ATXid_${Date.now()}_${n++}`) => ({ from, text, id });
const repliesTo = (phone: string) =>
  (app.running.sms as DevSmsSender).sent.filter((m) => m.to === phone).map((m) => m.text);
const replyOf = (phone: string) => eventually(() => repliesTo(phone)[0], { what: `a reply to ${phone}` });

test('HELP, and anything else, gets how to use the service; MSAADA in Kiswahili', async () => {
  const a = newPhone();
  expect((await inbound(message(a, 'help'))).status).toBe(200);
  expect(await replyOf(a)).toBe(
    'VoicePact: dial *384*1234# to create, accept, pay and confirm deals. SMS STATUS VP-XXXXXX for a contract. Help: 0711 000 999',
  );
  const b = newPhone();
  await inbound(message(b, 'what is this?'));
  expect(await replyOf(b)).toMatch(/^VoicePact: dial \*384\*1234# to create/);
  const c = newPhone();
  await inbound(message(c, 'Msaada'));
  expect(await replyOf(c)).toMatch(/^VoicePact: piga \*384\*1234# kuunda/);
});

test("STATUS answers a party with the contract's state, and tells a stranger nothing", async () => {
  const buyer = newPhone();
  const stranger = newPhone();
  const c = await pendingContract(app, { buyer, seller: newPhone(), totalAmount: '2500' });
  await inbound(message(buyer, `status ${c.code.toLowerCase()}`));
  // (The buyer was also texted about the new contract: the reply is the one that gives its status.)
  const status = await eventually(() => repliesTo(buyer).find((t) => t.includes('Status:')), { what: 'the status' });
  expect(status).toBe(`VoicePact ${c.code}: 50 bags Maize, KES 2,500. Status: waiting for acceptance.`);
  await inbound(message(stranger, `STATUS ${c.code}`));
  const told = await replyOf(stranger);
  expect(told).toBe(`VoicePact: no contract ${c.code} found for your number. Dial *384*1234# to see your contracts.`);
  expect(told).not.toContain('Maize');
  // A code that does not exist gets the very same answer.
  const other = newPhone();
  await inbound(message(other, 'STATUS VP-ZZZZZZ'));
  expect(await replyOf(other)).toBe(
    'VoicePact: no contract VP-ZZZZZZ found for your number. Dial *384*1234# to see your contracts.',
  );
});

test('one reply per message id, however often AT retries, also at once', async () => {
  const me = newPhone();
  const sms = message(me, 'HELP');
  const answers = await Promise.all([inbound(sms), inbound(sms), inbound(sms)]);
  expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
  await replyOf(me);
  await inbound(sms);
  // The reply job for this id exists once; a later message gets its own reply.
  await inbound(message(me, 'HELP'));
  await eventually(() => repliesTo(me).length === 2, { what: 'the second reply' });
  const rows = await app.running.orm.em
    .fork()
    .getConnection()
    .execute("select count(*)::int as n from outbox_messages where name = 'sms.reply'");
  expect(rows[0].n).toBeGreaterThanOrEqual(2);
  const mine = await app.running.orm.em
    .fork()
    .getConnection()
    .execute('select count(*)::int as n from inbound_sms where from_phone = ?', [me]);
  expect(mine[0].n).toBe(2);
  expect(repliesTo(me)).toHaveLength(2);
});

test('behind the allow-list; a message without sender or id is a 400', async () => {
  const me = newPhone();
  const refused = await inbound(message(me, 'HELP'), { 'x-forwarded-for': '203.0.113.9' });
  expect(refused.status).toBe(403);
  expect((await inbound({ text: 'HELP', id: 'x1' })).status).toBe(400);
  expect((await inbound({ from: me, text: 'HELP' })).status).toBe(400);
  const rows = await app.running.orm.em
    .fork()
    .getConnection()
    .execute('select count(*)::int as n from inbound_sms where from_phone = ?', [me]);
  expect(rows[0].n).toBe(0); // nothing recorded, so nothing is answered
});
