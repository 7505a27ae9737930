import { startTestApp, type TestApp } from './support/app';
import { loginAs } from './support/fixtures';
import { ensurePin, TEST_PIN } from './support/drive';
import {
  activeContract,
  confirmedContract,
  contractState,
  newPhone,
  pendingContract,
  setLanguageVia,
} from './support/ussd-fixtures';
import { ussd } from './support/ussd-tester';
import { paymentOf } from './support/money-flow';

/** Each menu path of issue 3, screen by screen, with what the domain holds afterwards (through the API). */

let app: TestApp;
let phone: ReturnType<typeof ussd>;
beforeAll(async () => {
  app = await startTestApp('ussd_journeys', {
    SUPPORT_PHONE: '0711 000 999',
    SUPPORT_SMS_CODE: '40404',
    USSD_RATE_LIMIT_PER_MINUTE: '0',
  });
  phone = ussd(app.url);
});
afterAll(() => app.close());

const MAIN =
  'Welcome to VoicePact\n1. View My Contracts\n2. Confirm Delivery\n3. Check Payments\n4. Help & Support\n5. New Contract\n0. Exit';

test('the main menu, and 0 says goodbye', async () => {
  await phone.dial(newPhone()).expectScreen(MAIN).enter('0').expectEnd('Thank you for using VoicePact!');
});

test('View My Contracts lists open contracts newest first; a contract opens its details', async () => {
  const buyer = newPhone();
  const seller = newPhone();
  const older = await confirmedContract(app, { buyer, seller, product: 'Beans', totalAmount: '8500' });
  const newer = await pendingContract(app, { buyer, seller, product: 'Maize', totalAmount: '12000.50' });
  await phone
    .dial(buyer)
    .enter('1')
    .expectScreen(
      `Your Contracts:\n1. ${newer.code} Maize (PENDING)\n2. ${older.code} Beans (CONFIRMED)\n0. Back to Main Menu\n00. Home`,
    )
    .enter('1')
    .expectScreen(
      `Contract Details\n${newer.code}\nProduct: Maize\nValue: KES 12,000.50\nStatus: Pending\n2. Report Issue\n3. Accept Contract\n4. Decline\n98. More\n0. Back\n00. Home`,
    )
    .enter('0')
    .expect('Your Contracts:')
    .enter('2')
    .expectScreen(
      `Contract Details\n${older.code}\nProduct: Beans\nValue: KES 8,500\nStatus: Confirmed\n2. Report Issue\n5. Pay KES 8,500\n98. More\n0. Back\n00. Home`,
    );
});

test('no open contracts', async () => {
  await phone
    .dial(newPhone())
    .enter('1')
    .expectScreen('No active contracts found.\n0. Back to Main Menu\n00. Home')
    .enter('0')
    .expectScreen(MAIN);
});

test('Accept Contract records this party; a second acceptance says so in one END line', async () => {
  const buyer = newPhone();
  const seller = newPhone();
  const c = await pendingContract(app, { buyer, seller });
  // Two sessions on the details screen at once: the first accepts, the second finds it done.
  const first = phone.dial(buyer).enter('1').enter('1').expect('3. Accept Contract');
  const second = phone.dial(buyer).enter('1').enter('1').expect('3. Accept Contract');
  await first;
  await second;
  await first.enter('3').expectEnd(`Contract ${c.code} accepted.\nYou will get an SMS when it is active.`);
  await second.enter('3').expectEnd(`You already accepted contract ${c.code}.`);
  const state = await contractState(app, c.id);
  expect(state.parties.find((p) => p.phoneNumber === buyer)!.acceptedAt).not.toBeNull();
  expect(state.status).toBe('PENDING'); // the seller has not accepted yet
  // Once accepted, the option is gone from the details.
  await phone
    .dial(buyer)
    .enter('1')
    .enter('1')
    .check((a) => expect(a.screen).not.toContain('Accept Contract'));
});

test('the last acceptance confirms the contract', async () => {
  const buyer = newPhone();
  const seller = newPhone();
  const c = await pendingContract(app, { buyer, seller });
  await phone.dial(buyer).enter('1*1').enter('3').expectEnd();
  await phone
    .dial(seller)
    .enter('1')
    .enter('1')
    .enter('3')
    .expectEnd(`Contract ${c.code} accepted.\nYou will get an SMS when it is active.`);
  expect((await contractState(app, c.id)).status).toBe('CONFIRMED');
});

test('Confirm Delivery from the main menu: full delivery by the buyer completes the contract', async () => {
  const buyer = newPhone();
  const seller = newPhone();
  const c = await activeContract(app, { buyer, seller, product: 'Potatoes' });
  await phone
    .dial(buyer)
    .enter('2')
    .expectScreen(`Select Contract:\n1. ${c.code} Potatoes\n0. Back to Main Menu\n00. Home`)
    .enter('1')
    .expectScreen(
      `Confirm Delivery\nContract: ${c.code}\n1. Full Delivery\n2. Partial Delivery\n3. Report Issue\n0. Back\n00. Home`,
    )
    .enter('1')
    .expectScreen(`Release KES 12,000.50 to Seller for 50 bags?\n1. Yes\n2. No\n0. Back\n00. Home`)
    .enter('1')
    .expectScreen('Create a 4-digit VoicePact PIN\n0. Back\n00. Home')
    .enter('2580')
    .expectScreen('Enter the PIN again\n0. Back\n00. Home')
    .enter('2580')
    .expectEnd('Full delivery confirmed!\nSeller will be notified.\nPayment will be released.');
  const state = await contractState(app, c.id);
  expect(state.status).toBe('COMPLETED');
  expect(state.deliveries).toEqual([
    expect.objectContaining({ kind: 'FULL', reportedBy: buyer, acceptedAt: expect.any(String) }),
  ]);
  // Confirming again, from a session opened before: already done, one END line.
  await phone.dial(buyer).enter('2').expectScreen('No contracts awaiting delivery.\n0. Back to Main Menu\n00. Home');
});

test('full delivery by the seller waits for the buyer', async () => {
  const buyer = newPhone();
  const seller = newPhone();
  const c = await activeContract(app, { buyer, seller });
  await phone
    .dial(seller)
    .enter('1')
    .enter('1')
    .expect('1. Confirm Delivery')
    .enter('1')
    .expect(`Contract: ${c.code}`)
    .enter('1')
    .expectEnd('Full delivery confirmed!\nBuyer will be notified.\nPayment will be processed.');
  const state = await contractState(app, c.id);
  expect(state.status).toBe('ACTIVE');
  expect(state.deliveries).toEqual([expect.objectContaining({ kind: 'FULL', reportedBy: seller, acceptedAt: null })]);
  // The seller reporting again: already recorded.
  await phone.dial(seller).enter('2*1*1').expectEnd(`Delivery for ${c.code} is already recorded.`);
});

test('partial delivery is recorded with the reporter; 0 returns to the main menu', async () => {
  const seller = newPhone();
  const c = await activeContract(app, { buyer: newPhone(), seller });
  await phone
    .dial(seller)
    .enter('2')
    .enter('1')
    .enter('2')
    .expectScreen('Quantity received? (at most 50 bags)\n0. Back\n00. Home')
    .enter('60')
    .expectScreen('Too large.\nQuantity received? (at most 50 bags)\n0. Back\n00. Home')
    .enter('abc')
    .expectScreen('Type a number.\nQuantity received? (at most 50 bags)\n0. Back\n00. Home')
    .enter('20')
    .expectScreen('Partial delivery noted.\nSMS will be sent for details.\n0. Main Menu\n00. Home')
    .enter('0')
    .expectScreen(MAIN);
  const state = await contractState(app, c.id);
  expect(state.deliveries).toEqual([expect.objectContaining({ kind: 'PARTIAL', reportedBy: seller })]);
  expect(state.status).toBe('ACTIVE');
});

test("a buyer's lot says what it releases, asks the PIN, and pays for that lot only (issue 11)", async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone() });
  await ensurePin(app, buyer);
  await phone
    .dial(buyer)
    .enter('2')
    .enter('1')
    .enter('2')
    .enter('20')
    .expectScreen('Release KES 4,800 to Seller for 20 bags?\n1. Yes\n2. No\n0. Back\n00. Home')
    .enter('1')
    .expect('Enter your VoicePact PIN')
    .enter(TEST_PIN)
    .expectEnd('Partial delivery noted. SMS will be sent for details.');
  const state = await contractState(app, c.id);
  expect(state.deliveries).toEqual([expect.objectContaining({ kind: 'PARTIAL', reportedBy: buyer })]);
  expect(state.status).toBe('ACTIVE');
});

test('Report Issue raises a dispute; reporting again says it is already open', async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone() });
  await phone
    .dial(buyer)
    .enter('1')
    .enter('1')
    .enter('2')
    .expectScreen(
      'Report Issue\n1. Not delivered\n2. Poor quality\n3. Wrong quantity\n4. Payment problem\n5. Other\n0. Back\n00. Home',
    )
    .enter('2')
    .expectEnd('Issue reported.\nContract marked for review.\nSupport will contact you.');
  const state = await contractState(app, c.id);
  expect(state.status).toBe('DISPUTED');
  expect(state.disputes).toEqual([{ reason: 'POOR_QUALITY', status: 'OPEN' }]);
  await phone
    .dial(buyer)
    .enter('1')
    .expect('(DISPUTED)')
    .enter('1')
    .expect('Status: Disputed')
    .enter('2*5')
    .expectEnd(`An issue on ${c.code} is already open. Support will contact you.`);
  expect((await contractState(app, c.id)).disputes).toHaveLength(1);
});

test('confirming a contract that is no longer ACTIVE says so in one END line', async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone() });
  const waiting = phone.dial(buyer).enter('2').enter('1').expect('1. Full Delivery');
  await waiting;
  await phone
    .dial(buyer)
    .enter('1*1*2*1')
    .expectEnd('Issue reported.\nContract marked for review.\nSupport will contact you.');
  await waiting.enter('1').expectEnd(`Contract ${c.code} cannot do this now.`);
  expect((await contractState(app, c.id)).deliveries).toEqual([]);
});

test('a witness cannot confirm a delivery: the domain refuses, in one END line', async () => {
  const witness = newPhone();
  const c = await activeContract(app, {
    buyer: newPhone(),
    seller: newPhone(),
    product: 'Milk',
    others: [{ phoneNumber: witness, role: 'WITNESS' }],
  });
  await phone
    .dial(witness)
    .enter('2')
    .expect(`1. ${c.code} Milk`)
    .enter('1')
    .enter('1')
    .expectEnd('Only the buyer or seller can do this.');
  expect((await contractState(app, c.id)).deliveries).toEqual([]);
});

test('Check Payments lists payments with their state; one opens its details', async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone(), totalAmount: '45000' });
  // The payment's own day in Nairobi (UTC+3, no summer time), not today's: the test may run across midnight.
  const made = new Date((await paymentOf(app, c.id)).createdAt.getTime() + 3 * 3600_000);
  const date = `${made.getUTCDate()} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][made.getUTCMonth()]} ${made.getUTCFullYear()}`;
  await phone
    .dial(buyer)
    .enter('3')
    .expectScreen(`Your Payments:\n1. ${c.code} KES 45,000 Held\n0. Back to Main Menu\n00. Home`)
    .enter('1')
    .expectScreen(
      `Payment Details\nContract: ${c.code}\nAmount: KES 45,000\nStatus: Held in escrow\nDate: ${date}\n0. Back\n00. Home`,
    )
    .enter('0')
    .expect('Your Payments:')
    .enter('0')
    .expectScreen(MAIN);
  await phone.dial(newPhone()).enter('3').expectScreen('No payments found.\n0. Back to Main Menu\n00. Home');
});

test('Help & Support shows the support numbers from configuration', async () => {
  await phone
    .dial(newPhone())
    .enter('4')
    .expectScreen(
      'VoicePact Help\nCall 0711 000 999 for support\nSMS HELP to 40404\n1. Language / Lugha\n2. Change PIN\n0. Back to Main Menu\n00. Home',
    )
    .enter('0')
    .expectScreen(MAIN);
});

test('the language is remembered per phone through setLanguage, and every screen follows it', async () => {
  const me = newPhone();
  await phone
    .dial(me)
    .enter('4')
    .enter('1')
    .expectScreen('Language / Lugha\n1. English\n2. Kiswahili\n0. Back\n00. Home')
    .enter('2')
    .expectScreen(
      'Lugha: Kiswahili\nKaribu VoicePact\n1. Mikataba Yangu\n2. Thibitisha Uwasilishaji\n3. Angalia Malipo\n4. Msaada\n5. Mkataba Mpya\n0. Ondoka',
    )
    .enter('1')
    .expectScreen('Hakuna mikataba hai.\n0. Rudi Menyu Kuu\n00. Mwanzo');
  const token = await loginAs(app, me);
  const viewer = await app.gql('{ viewer { language } }', {}, token);
  expect(viewer.body.data.viewer.language).toBe('SW');
  await phone.dial(me).expect('Karibu VoicePact').enter('0').expectEnd('Asante kwa kutumia VoicePact!');
  // Changed in the app, seen on the next dial.
  await setLanguageVia(app, token, 'EN');
  await phone.dial(me).expectScreen(MAIN);
});

test('navigation: history in the path, 00 from anywhere, invalid input, a shortcut dial', async () => {
  const buyer = newPhone();
  const c = await activeContract(app, { buyer, seller: newPhone() });
  // "1*0*3": open contracts, back, check payments, typed in one go.
  await phone.dial(buyer).enter('1*0*3').expect('Your Payments:');
  await phone.dial(buyer).enter('1').enter('1').expect('Contract Details').enter('00').expectScreen(MAIN);
  await phone
    .dial(buyer)
    .enter('1')
    .enter('7')
    .expectScreen(
      `Invalid selection. Please try again.\nYour Contracts:\n1. ${c.code} Maize (ACTIVE)\n0. Back to Main Menu\n00. Home`,
    )
    .enter('1')
    .expect('Contract Details');
  // *384*1234*1# arrives as a new session whose first text is "1".
  await phone.session(buyer).send('1').expect('Your Contracts:');
  await phone.session(buyer).send('1*1').expect(`Contract Details\n${c.code}`);
});

test('odd text is an invalid selection, never an error', async () => {
  const me = newPhone();
  for (const text of ['**', '*1', "1' or '1'='1", 'ñ😀', '1'.repeat(5000), '__proto__', 'constructor', '99', '98']) {
    await phone
      .session(me)
      .send(text)
      .check((a) => {
        expect(a.status).toBe(200);
        expect(a.body.startsWith('CON Invalid selection. Please try again.\n')).toBe(true);
        expect(a.screen.length).toBeLessThanOrEqual(160);
      });
  }
});

test('an invalid selection on a long screen still fits in 160 characters and keeps the options', async () => {
  const buyer = newPhone();
  const c = await pendingContract(app, {
    buyer,
    seller: newPhone(),
    product: 'Premium grade A yellow maize from the Eldoret cooperative',
    totalAmount: '9999999999999.99',
  });
  const details = await phone.dial(buyer).enter('1').enter('1');
  expect(details.screen.length).toBeLessThanOrEqual(160);
  expect(details.screen).toContain(c.code);
  const again = await phone.dial(buyer).enter('1').enter('1').enter('6');
  expect(again.screen.length).toBeLessThanOrEqual(160);
  expect(again.screen).toMatch(/^Invalid selection\. Please try again\.\n/);
  expect(again.screen).toContain('2. Report Issue\n3. Accept Contract\n4. Decline\n98. More\n0. Back\n00. Home');
});

test('a long list pages behind 98. More without cutting a label; 0 goes back a page', async () => {
  const buyer = newPhone();
  const seller = newPhone();
  const made = [];
  for (let i = 0; i < 9; i++) made.push(await pendingContract(app, { buyer, seller, product: `Crop number ${i}` }));
  const newestFirst = made.reverse();
  const first = await phone.dial(buyer).enter('1');
  const items = first.screen.split('\n').filter((l) => /^[1-7]\. /.test(l));
  expect(first.screen).toContain('\n98. More\n0. Back to Main Menu\n00. Home');
  expect(first.screen.length).toBeLessThanOrEqual(160);
  items.forEach((line, i) => expect(line).toBe(`${i + 1}. ${newestFirst[i].code} Crop number ${8 - i} (PENDING)`));
  const handset = phone.dial(buyer).enter('1').enter('98');
  const second = await handset;
  expect(second.screen).toMatch(/^Your Contracts:\n1\. /);
  expect(second.screen).toContain(`1. ${newestFirst[items.length].code} `);
  expect(second.screen).toMatch(/\n0\. Back\n00\. Home$/);
  // Item 1 of page two is the contract after the last one on page one.
  await handset
    .enter('1')
    .expect(`Contract Details\n${newestFirst[items.length].code}`)
    .enter('0')
    .enter('0')
    .expect(`1. ${newestFirst[0].code} `);
  // Paging through every page shows every contract once.
  const seen: string[] = [];
  const walker = phone.dial(buyer).enter('1');
  for (let page = 0; page < 5; page++) {
    const a = await walker;
    seen.push(
      ...a.screen
        .split('\n')
        .filter((l) => /^[1-7]\. VP-/.test(l))
        .map((l) => l.split(' ')[1]),
    );
    if (!a.screen.includes('98. More')) break;
    walker.enter('98');
  }
  expect(seen).toEqual(newestFirst.map((c) => c.code));
});
