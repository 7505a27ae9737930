import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { createContract } from './support/fixtures';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('smoke');
});
afterAll(() => app.close());

test('the admin creates a PENDING contract with a short code and the exact decimal amount', async () => {
  const c = await createContract(app);
  expect(c.status).toBe('PENDING');
  expect(c.code).toMatch(/^VP-[34679ACDEFGHJKMNPQRTUVWXY]{6}$/);
  expect(c.totalAmount).toBe('12000.50');
  const health = await fetch(`${app.url}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok', database: 'up', redis: 'up' });
  const res = await app.gql(`{ contract(id: "${c.code}") { id } }`, {}, ADMIN_KEY);
  expect(res.body.data.contract.id).toBe(c.id);
});

test('health answers 503 and names Redis when Redis is down', async () => {
  const broken = await startTestApp('health', { REDIS_URL: 'redis://127.0.0.1:1' });
  try {
    const res = await fetch(`${broken.url}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'degraded', database: 'up', redis: 'down' });
  } finally {
    await broken.close();
  }
});
