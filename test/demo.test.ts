import { seedDemo } from '../src/demo/demo.seed';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('demo');
});
afterAll(() => app.close());

test('the demo seed fills a fresh database with contracts in every status, once', async () => {
  expect(await (await fetch(`${app.url}/simulator/demo-phones`)).json()).toEqual([]);
  expect((await seedDemo(app.running.orm, app.running.domainDeps)).created).toBe(10);
  expect((await seedDemo(app.running.orm, app.running.domainDeps)).created).toBe(0);

  const res = await app.gql('{ contracts(first: 100) { nodes { status payments { status } } } }', {}, ADMIN_KEY);
  const nodes = res.body.data.contracts.nodes as Array<{ status: string; payments: Array<{ status: string }> }>;
  expect(new Set(nodes.map((n) => n.status))).toEqual(
    new Set(['PENDING', 'CONFIRMED', 'ACTIVE', 'COMPLETED', 'DISPUTED', 'CANCELLED', 'EXPIRED']),
  );
  expect(new Set(nodes.flatMap((n) => n.payments.map((p) => p.status)))).toEqual(
    new Set(['LOCKED', 'RELEASED', 'REFUNDED', 'FAILED', 'SETTLED']), // SETTLED: a deposit all paid out (issue 11)
  );

  const phones = await (await fetch(`${app.url}/simulator/demo-phones`)).json();
  expect(phones).toHaveLength(4);
  expect(phones[0]).toEqual({ phoneNumber: '+254712345678', name: 'Wanjiru Kamau', role: expect.any(String) });
  const page = await fetch(`${app.url}/simulator`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(await page.text()).toContain('data-testid="dial"');
});
