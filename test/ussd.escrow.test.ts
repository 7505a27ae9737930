import { phoneActor } from '../src/auth/actor';
import { DeliveryKind } from '../src/delivery/delivery.entity';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { domainOf, ensurePin, passDeadline, TEST_PIN } from './support/drive';
import { loginAs } from './support/fixtures';
import { statusOf } from './support/money-flow';
import { activeContract, newPhone, setLanguageVia } from './support/ussd-fixtures';
import { postUssd, SERVICE_CODE, ussd } from './support/ussd-tester';

/**
 * Issue 11 on a feature phone: lots named by their quantity and paid with the PIN, what is due as the domain counts
 * it, the buyer's two choices once the delivery deadline passed (extend 7 days; refund what was not delivered,
 * with the PIN), and the escrow fee on the New Contract summary. Every figure on these screens is the API's.
 */

let app: TestApp;
let phone: ReturnType<typeof ussd>;
beforeAll(async () => {
  app = await startTestApp('ussd_escrow', { USSD_RATE_LIMIT_PER_MINUTE: '0' });
  phone = ussd(app.url);
});
afterAll(() => app.close());

const NAV = '0. Back\n00. Home';
const TEN_BAGS = { quantity: '10', totalAmount: '3000' };

/** The payouts decided for a contract (no workers run here: a decision is a LOCKED row with its job). */
async function payouts(contractId: string): Promise<Array<{ kind: string; amount: string }>> {
  return app.running.orm.em
    .fork()
    .getConnection()
    .execute(
      "select kind, amount::text as amount from payments where contract_id = ? and kind in ('RELEASE', 'REFUND') order by created_at, id",
      [contractId],
    );
}

async function deadlineOf(contractId: string): Promise<Date> {
  const res = await app.gql(
    'query($id: ID!) { contract(id: $id) { deliveryDeadline } }',
    { id: contractId },
    ADMIN_KEY,
  );
  return new Date(res.body.data.contract.deliveryDeadline);
}

/** An ACTIVE deal of 10 bags for KES 3,000 whose buyer accepted a lot of 4 and whose deadline has passed. */
async function overdueAfterFour(buyer: string, seller: string) {
  const c = await activeContract(app, { buyer, seller, ...TEN_BAGS });
  await domainOf(app).deliveries.confirm(phoneActor(buyer), {
    contractId: c.id,
    kind: DeliveryKind.PARTIAL,
    quantity: '4',
    pin: await ensurePin(app, buyer),
  });
  await passDeadline(app, c.id);
  return c;
}

test('lots of 4 then 6 bags: each question names the amount, the seller and the lot; above what is due is refused', async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone(), ...TEN_BAGS });
  await ensurePin(app, buyer);
  await phone
    .dial(buyer)
    .enter('2')
    .enter('1')
    .enter('2')
    .expectScreen(`Quantity received? (at most 10 bags)\n${NAV}`)
    .enter('4')
    .expectScreen(`Release KES 1,200 to Seller for 4 bags?\n1. Yes\n2. No\n${NAV}`)
    .enter('1')
    .expectScreen(`Enter your VoicePact PIN\n${NAV}`)
    .enter(TEST_PIN)
    .expectEnd('Partial delivery noted. SMS will be sent for details.');
  await phone
    .dial(buyer)
    .enter('2*1*2')
    .expectScreen(`Quantity received? (at most 6 bags)\n${NAV}`)
    .enter('7')
    .expectScreen(`Too large.\nQuantity received? (at most 6 bags)\n${NAV}`)
    .enter('6')
    .expectScreen(`Release KES 1,800 to Seller for 6 bags?\n1. Yes\n2. No\n${NAV}`)
    .enter('1')
    .enter(TEST_PIN)
    .expectEnd('Partial delivery noted. SMS will be sent for details.');
  expect(await payouts(c.id)).toEqual([
    { kind: 'RELEASE', amount: '1200.00' },
    { kind: 'RELEASE', amount: '1800.00' },
  ]);
  expect(await statusOf(app, c.id)).toBe('COMPLETED');
});

test('after a lot, Full Delivery asks to release what is left for the bags still due, in English and Kiswahili', async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone(), ...TEN_BAGS });
  await domainOf(app).deliveries.confirm(phoneActor(buyer), {
    contractId: c.id,
    kind: DeliveryKind.PARTIAL,
    quantity: '4',
    pin: await ensurePin(app, buyer),
  });
  await phone.dial(buyer).enter('2*1*1').expectScreen(`Release KES 1,800 to Seller for 6 bags?\n1. Yes\n2. No\n${NAV}`);
  await setLanguageVia(app, await loginAs(app, buyer), 'SW');
  await phone
    .dial(buyer)
    .enter('2*1*1')
    .expectScreen('Toa KES 1,800 kwa Seller kwa magunia 6?\n1. Ndiyo\n2. Hapana\n0. Rudi\n00. Mwanzo')
    .enter('1')
    .enter(TEST_PIN)
    .expectEnd('Uwasilishaji kamili umethibitishwa!\nMuuzaji atajulishwa.\nMalipo yatatolewa.');
  expect((await payouts(c.id)).map((p) => p.amount)).toEqual(['1200.00', '1800.00']);
});

test('a lot above what is due is refused by the domain too (the API, as the menu would send it)', async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone(), ...TEN_BAGS });
  const token = await loginAs(app, buyer);
  const pin = await ensurePin(app, buyer);
  const confirm = (quantity: string) =>
    app.gql(
      'mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { id } }',
      { i: { contractId: c.id, kind: 'PARTIAL', quantity, pin } },
      token,
    );
  expect((await confirm('4')).body.errors).toBeUndefined();
  const refused = await confirm('6.001');
  expect(refused.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'quantity', due: '6' });
  const quote = await app.gql(
    'query($id: ID!) { contract(id: $id) { quantityDue releaseAmount(quantity: "7") } }',
    { id: c.id },
    token,
  );
  expect(quote.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', due: '6' });
  const due = await app.gql('query($id: ID!) { contract(id: $id) { quantityDue releaseAmount } }', { id: c.id }, token);
  expect(due.body.data.contract).toEqual({ quantityDue: '6', releaseAmount: '1800.00' });
  expect((await payouts(c.id)).map((p) => p.amount)).toEqual(['1200.00']);
});

test('past the deadline the buyer is offered Extend 7 days and Refund what was not delivered; the seller is not', async () => {
  const buyer = newPhone();
  const seller = newPhone();
  const c = await activeContract(app, { buyer, seller, ...TEN_BAGS });
  // Before the deadline: neither choice.
  await phone
    .dial(buyer)
    .enter('1*1')
    .check((a) => expect(a.screen).not.toMatch(/Extend|Refund/));
  await passDeadline(app, c.id);
  await phone
    .dial(buyer)
    .enter('1')
    .enter('1')
    .check((a) => {
      expect(a.screen.length).toBeLessThanOrEqual(160);
      expect(a.screen).toContain(`Contract Details\n${c.code}\n`);
      expect(a.screen).toContain(
        '1. Confirm Delivery\n2. Report Issue\n6. Extend 7 days\n7. Refund what was not delivered\n98. More\n0. Back\n00. Home',
      );
    });
  await phone
    .dial(seller)
    .enter('1*1')
    .check((a) => {
      expect(a.screen).toContain('1. Confirm Delivery');
      expect(a.screen).not.toMatch(/Extend|Refund/);
    })
    .enter('7')
    .expect('Invalid selection. Please try again.');
  await setLanguageVia(app, await loginAs(app, buyer), 'SW');
  await phone
    .dial(buyer)
    .enter('1*1')
    .check((a) => {
      expect(a.screen.length).toBeLessThanOrEqual(160);
      expect(a.screen).toContain('6. Ongeza siku 7\n7. Rejesha pesa ya kisichofika\n98. Zaidi');
    });
});

test('Extend 7 days: the new deadline is asked about, then set once; the choices are gone after', async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone(), ...TEN_BAGS });
  await passDeadline(app, c.id, 60_000);
  const h = phone.dial(buyer).enter('1*1').enter('6');
  const ask = await h;
  const m =
    /^Move the delivery deadline of (VP-\w{6}) to (\d{1,2} \w{3}, \d\d:\d\d)\?\n1\. Yes\n2\. No\n0\. Back\n00\. Home$/.exec(
      ask.screen,
    );
  expect(m?.[1]).toBe(c.code);
  const before = Date.now();
  const done = await h.enter('1');
  expect(done.end).toBe(true);
  expect(done.screen).toMatch(
    new RegExp(`^The delivery deadline of ${c.code} is now \\d{1,2} \\w{3}, \\d\\d:\\d\\d\\.$`),
  );
  const deadline = await deadlineOf(c.id);
  expect(deadline.getTime()).toBeGreaterThanOrEqual(before + 7 * 86_400_000 - 60_000);
  expect(deadline.getTime()).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
  // The same hop again (a replay) answers as before and moves nothing.
  const again = await postUssd(app.url, {
    sessionId: h.sessionId,
    serviceCode: SERVICE_CODE,
    phoneNumber: buyer,
    text: h.path,
  });
  expect(again.body).toBe(done.body);
  expect((await deadlineOf(c.id)).getTime()).toBe(deadline.getTime());
  await phone
    .dial(buyer)
    .enter('1*1')
    .check((a) => expect(a.screen).not.toMatch(/Extend|Refund/));
  expect(await statusOf(app, c.id)).toBe('ACTIVE');
});

test('Refund what was not delivered: the amount, then the PIN; sent twice at once and replayed, it refunds once', async () => {
  const buyer = newPhone();
  const c = await overdueAfterFour(buyer, newPhone());
  const h = phone
    .dial(buyer)
    .enter('1*1*7')
    .expectScreen(`Refund KES 1,800 to you for 6 bags not delivered?\n1. Yes\n2. No\n${NAV}`)
    .enter('2')
    .expect('Contract Details')
    .enter('7')
    .enter('1')
    .expectScreen(`Enter your VoicePact PIN\n${NAV}`)
    .enter('1357')
    .expectScreen(`Wrong PIN. 2 tries left.\nEnter your VoicePact PIN\n${NAV}`);
  await h;
  expect((await payouts(c.id)).map((p) => p.kind)).toEqual(['RELEASE']);
  const text = `${h.path}*${TEST_PIN}`;
  const post = () => postUssd(app.url, { sessionId: h.sessionId, serviceCode: SERVICE_CODE, phoneNumber: buyer, text });
  const [a, b] = await Promise.all([post(), post()]);
  const replay = await post();
  expect(a.body).toBe('END Refund of KES 1,800 started. It will reach your M-Pesa shortly.');
  expect(b.body).toBe(a.body);
  expect(replay.body).toBe(a.body);
  expect(await payouts(c.id)).toEqual([
    { kind: 'RELEASE', amount: '1200.00' },
    { kind: 'REFUND', amount: '1800.00' },
  ]);
  expect(await statusOf(app, c.id)).toBe('COMPLETED');
  // A new session finds it done: the contract left the open list's choices.
  await phone
    .dial(buyer)
    .enter('1')
    .check((a2) => expect(a2.screen).not.toContain(c.code));
});

test('Kiswahili: the refund question and the extension', async () => {
  const buyer = newPhone();
  const c = await overdueAfterFour(buyer, newPhone());
  await setLanguageVia(app, await loginAs(app, buyer), 'SW');
  await phone
    .dial(buyer)
    .enter('1*1*7')
    .expectScreen('Urejeshewe KES 1,800 kwa magunia 6 ambazo hazikufika?\n1. Ndiyo\n2. Hapana\n0. Rudi\n00. Mwanzo')
    .enter('0')
    .enter('6')
    .check((a) =>
      expect(a.screen).toMatch(
        new RegExp(`^Sogeza muda wa uwasilishaji wa ${c.code} hadi \\d{1,2} \\w{3}, \\d\\d:\\d\\d\\?\\n`),
      ),
    )
    .enter('1')
    .check((a) => expect(a.screen).toMatch(new RegExp(`^Muda wa uwasilishaji wa ${c.code} sasa ni `)));
});

describe('the escrow fee on the New Contract summary', () => {
  let feeApp: TestApp;
  beforeAll(async () => {
    feeApp = await startTestApp('ussd_escrow_fee', {
      USSD_RATE_LIMIT_PER_MINUTE: '0',
      ESCROW_FEE_PERCENT: '1.5',
      ESCROW_FEE_MIN_KES: '20',
    });
  });
  afterAll(() => feeApp.close());

  const local = (e164: string) => `0${e164.slice(4)}`;
  const masked = (e164: string) => `${local(e164).slice(0, 4)}***${e164.slice(-3)}`;

  test('the summary shows the fee the API quotes, the contract carries it, its screen shows it', async () => {
    const seller = newPhone();
    const buyer = newPhone();
    const summary = await ussd(feeApp.url)
      .dial(seller)
      .enter('5*1')
      .enter(buyer)
      .enter('6')
      .enter('Red Sorghum')
      .enter('20')
      .enter('1')
      .enter('3500')
      .enter('7');
    // 1.5% of 3,500 is 52.50: whole shillings, halves up (src/escrow/fees.ts).
    expect(summary.screen).toMatch(
      new RegExp(
        `^Sell 20 bags Red Sorghum to ${masked(buyer).replace(/\*/g, '\\*')} for KES 3,500, fee KES 53 \\(buyer pays\\), deliver by \\d{1,2} \\w{3}\\n1\\. Confirm\\n2\\. Cancel\\n${NAV}$`,
      ),
    );
    const created = await ussd(feeApp.url).session(seller).send(`5*1*${buyer}*6*Red Sorghum*20*1*3500*7*1`);
    const code = /VP-\w{6}/.exec(created.screen)![0];
    const res = await feeApp.gql(`{ contract(id: "${code}") { feeAmount feePayer depositAmount } }`, {}, ADMIN_KEY);
    expect(res.body.data.contract).toEqual({ feeAmount: '53.00', feePayer: 'BUYER', depositAmount: '3553.00' });
    await ussd(feeApp.url)
      .dial(buyer)
      .enter('1*1*98')
      .check((a) => expect(a.screen).toContain('\nFee: KES 53 (buyer pays)\n'))
      .enter('0')
      .enter('3')
      .expectEnd();
    // Accepted by both: the buyer is asked to pay what M-Pesa will ask for, the total and the buyer's share.
    await ussd(feeApp.url)
      .dial(buyer)
      .enter('1*1')
      .expect('5. Pay KES 3,553')
      .enter('5')
      .expect('Pay KES 3,553 into escrow for');
  });

  test('Kiswahili, and the longest names still leave the sentence whole within 160 characters', async () => {
    const me = newPhone();
    const other = newPhone();
    await setLanguageVia(feeApp, await loginAs(feeApp, me), 'SW');
    const product = 'Yellow Beans Grade A Kitale Co';
    const unit = 'sacks of fifty kilograms each';
    const a = await ussd(feeApp.url).session(me).send(`5*2*${other}*6*${product}*999999.999*7*${unit}*250000*90`);
    expect(a.screen.length).toBeLessThanOrEqual(160);
    // The names are cut (the renderer's ".."), the amount, the fee, the date and the options never.
    expect(a.screen).toMatch(
      /^Nunua sacks of\.\. 999999\.999 Yellow Be\.\. kutoka 07\d\d\*\*\*\d{3} kwa KES 250,000, ada KES 3,750 \(mnunuzi\), ifike kabla \d{1,2} \w{3}\n1\. Thibitisha\n2\. Ghairi\n0\. Rudi\n00\. Mwanzo$/,
    );
  });

  test('without a fee the summary says nothing of one', async () => {
    const a = await ussd(app.url).session(newPhone()).send(`5*1*${newPhone()}*1*20*1*3500*7`);
    expect(a.screen).toMatch(/^Sell 20 bags Maize to .+ for KES 3,500, deliver by /);
    expect(a.screen).not.toMatch(/fee/i);
  });
});
