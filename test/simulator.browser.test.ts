import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { seedDemo } from '../src/demo/demo.seed';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { eventually } from './support/eventually';
import { FAST, paymentOf, statusOf } from './support/money-flow';
import {
  dial,
  openSimulator,
  press,
  pressLetters,
  screenText,
  sessionState,
  type Simulator,
} from './support/simulator-driver';

// A person tries VoicePact in the browser: the simulator page, the real webhook, the demo data.
let app: TestApp;
let sim: Simulator;
const ARTIFACTS = path.join(__dirname, '..', 'test-artifacts');

beforeAll(async () => {
  app = await startTestApp('browser', { ...FAST, PAYMENT_PROVIDER: 'sandbox', USSD_RATE_LIMIT_PER_MINUTE: '0' }, 'all');
  await seedDemo(app.running.orm, app.running.domainDeps);
  sim = await openSimulator(app.url);
}, 60_000);
afterAll(async () => {
  await sim?.close();
  await app?.close();
});

test('dial as Wanjiru, open her active contract and confirm full delivery', async () => {
  const { page } = sim;
  expect(await dial(page, '+254712345678')).toContain('Welcome to VoicePact');
  expect(await sessionState(page)).toBe('con');

  const list = await press(page, '1');
  expect(list).toContain('Your Contracts:');
  expect(list).toMatch(/^1\. VP-\w{6} Potatoes \(ACTIVE\)$/m);

  const details = await press(page, '1');
  expect(details).toContain('Contract Details');
  expect(details).toContain('Value: KES 45,000');
  expect(details).toContain('1. Confirm Delivery');

  expect(await press(page, '1')).toContain('1. Full Delivery');
  expect(await press(page, '1')).toContain('Release KES 45,000 to Kiprop Cheruiyot');
  expect(await press(page, '1')).toContain('Create a 4-digit VoicePact PIN');
  expect(await press(page, '4827')).toContain('Enter the PIN again');
  const done = await press(page, '4827');
  expect(done).toContain('Full delivery confirmed!');
  expect(done).toContain('Payment will be released.');
  expect(await sessionState(page)).toBe('end');
  expect(await page.getByTestId('history').textContent()).toContain('1*1*1*1*1*####*####');
  expect(await page.getByTestId('history').textContent()).not.toContain('4827');

  // The confirmation really happened: the contract is COMPLETED and its release is on its way.
  const res = await app.gql(
    '{ contracts(status: [COMPLETED], phoneNumber: "+254712345678") { nodes { product } } }',
    {},
    ADMIN_KEY,
  );
  expect(res.body.data.contracts.nodes.map((n: { product: string }) => n.product)).toContain('Potatoes');
  expect(await screenText(page)).toContain('Full delivery confirmed!');
}, 60_000);

test('two phones in the simulator do the whole deal: create (letters by multi-tap), accept, pay, report, release with the PIN', async () => {
  const { page } = sim;
  const OTIENO = '+254722000111';
  const WANJIRU = '+254712345678';
  // Otieno sells 20 bags of Rice to Wanjiru; the product name is typed in letters on the keypad.
  expect(await dial(page, OTIENO)).toContain('5. New Contract');
  expect(await press(page, '5')).toContain('You are:');
  expect(await press(page, '1')).toContain("Buyer's phone number:");
  expect(await press(page, '0712345678')).toContain('Product:');
  expect(await press(page, '6')).toContain('Product name');
  expect(await pressLetters(page, 'Rice')).toContain('Quantity');
  expect(await press(page, '20')).toContain('Unit:');
  expect(await press(page, '1')).toContain('Total price in KES');
  expect(await press(page, '3500')).toContain('Deliver within how many days?');
  const summary = await press(page, '7');
  expect(summary).toContain('Sell 20 bags Rice to 0712***678 for KES 3,500');
  const created = await press(page, '1');
  expect(created).toMatch(/^Contract VP-\w{6} created\. 0712\*\*\*678 will get an SMS to accept\.$/);
  const code = /VP-\w{6}/.exec(created)![0];

  // Wanjiru accepts, then pays into escrow (the sandbox settles it).
  await dial(page, WANJIRU);
  expect(await press(page, '1')).toMatch(new RegExp(`^1\\. ${code} Rice \\(PENDING\\)$`, 'm'));
  expect(await press(page, '1')).toContain('3. Accept Contract');
  expect(await press(page, '3')).toContain(`Contract ${code} accepted.`);
  await dial(page, WANJIRU);
  await press(page, '1');
  expect(await press(page, '1')).toContain('5. Pay KES 3,500');
  expect(await press(page, '5')).toContain(`Pay KES 3,500 into escrow for ${code}?`);
  expect(await press(page, '1')).toBe('Check your phone for the M-Pesa prompt to pay KES 3,500.');
  const res = await app.gql(`{ contract(id: "${code}") { id } }`, {}, ADMIN_KEY);
  const id = res.body.data.contract.id as string;
  await eventually(async () => (await statusOf(app, id)) === 'ACTIVE', { what: 'the sandbox deposit' });

  // Otieno reports the delivery; Wanjiru releases with her PIN.
  await dial(page, OTIENO);
  expect(await press(page, '2')).toMatch(new RegExp(`^1\\. ${code} Rice$`, 'm'));
  await press(page, '1');
  expect(await press(page, '1')).toContain('Buyer will be notified.');
  await dial(page, WANJIRU);
  expect(await press(page, '2')).toMatch(new RegExp(`^1\\. ${code} Rice$`, 'm'));
  await press(page, '1');
  expect(await press(page, '1')).toContain('Release KES 3,500 to 0722***111 for 20 bags?');
  expect(await press(page, '1')).toContain('Enter your VoicePact PIN');
  expect(await press(page, '4827')).toContain('Payment will be released.');
  await eventually(async () => (await paymentOf(app, id)).status === 'RELEASED', { what: 'the payout' });
  expect(await statusOf(app, id)).toBe('COMPLETED');

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'simulator.png') });
}, 120_000);
