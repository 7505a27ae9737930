import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { seedDemo } from '../src/demo/demo.seed';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { dial, openSimulator, press, screenText, sessionState, type Simulator } from './support/simulator-driver';

// A person tries VoicePact in the browser: the simulator page, the real webhook, the demo data.
let app: TestApp;
let sim: Simulator;
const ARTIFACTS = path.join(__dirname, '..', 'test-artifacts');

beforeAll(async () => {
  app = await startTestApp('browser');
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
  const done = await press(page, '1');
  expect(done).toContain('Full delivery confirmed!');
  expect(done).toContain('Payment will be released.');
  expect(await sessionState(page)).toBe('end');
  expect(await page.getByTestId('history').textContent()).toContain('1*1*1*1');

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'simulator.png') });

  // The confirmation really happened: the contract is COMPLETED and its release is on its way.
  const res = await app.gql(
    '{ contracts(status: [COMPLETED], phoneNumber: "+254712345678") { nodes { product } } }',
    {},
    ADMIN_KEY,
  );
  expect(res.body.data.contracts.nodes.map((n: { product: string }) => n.product)).toContain('Potatoes');
  expect(await screenText(page)).toContain('Full delivery confirmed!');
}, 60_000);
