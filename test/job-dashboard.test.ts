import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('dashboard');
});
afterAll(() => app.close());

const get = (path: string, authorization?: string) =>
  fetch(`${app.url}${path}`, { headers: authorization ? { authorization } : {} });
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('the job dashboard refuses strangers and a wrong key, with a Basic challenge', async () => {
  for (const auth of [undefined, 'Bearer not-the-key', basic('admin', 'wrong'), basic(ADMIN_KEY, '')]) {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const res = await get(path, auth);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(await res.text()).not.toContain('payments');
    }
  }
});

test('the admin key opens it, as the Basic password (any user name) or as a Bearer token', async () => {
  const page = await get('/admin/queues', basic('ops', ADMIN_KEY));
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/html/);
  const api = await get('/admin/queues/api/queues', `Bearer ${ADMIN_KEY}`);
  expect(api.status).toBe(200);
  const { queues } = (await api.json()) as { queues: Array<{ name: string }> };
  expect(queues.map((q) => q.name).sort()).toEqual(['housekeeping', 'notifications', 'payments', 'webhooks']);
});

test('other routes are not behind the dashboard guard', async () => {
  expect((await get('/health')).status).toBe(200);
});
