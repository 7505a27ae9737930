import type { Role } from '../../src/server/start';
import { FakeMpesaServer } from '../fakes/fake-mpesa.server';
import { startTestApp, type TestApp } from './app';
import { FAST } from './money-flow';
import { freePort } from './redis-server';

export const CALLBACK_TOKEN = 'cb-token-0123456789abcdef';
export const B2C_PATH = '/mpesa/b2c/v3/paymentrequest';
export const STK_PATH = '/mpesa/stkpush/v1/processrequest';

/** The configuration that points the real service at a fake Daraja, with callbacks coming back to `port`. */
export function mpesaEnv(fakeUrl: string, port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...FAST,
    PORT: String(port),
    PAYMENT_PROVIDER: 'mpesa',
    MPESA_BASE_URL: fakeUrl,
    MPESA_CONSUMER_KEY: 'test-consumer-key',
    MPESA_CONSUMER_SECRET: 'test-consumer-secret',
    MPESA_SHORTCODE: '174379',
    MPESA_PASSKEY: 'test-passkey',
    MPESA_INITIATOR_NAME: 'testapi',
    MPESA_SECURITY_CREDENTIAL: 'encrypted-credential',
    MPESA_CALLBACK_TOKEN: CALLBACK_TOKEN,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    SUPPORT_ALERT_PHONE: '+254700000999',
    ...extra,
  };
}

/** The real service (API + workers by default) over M-Pesa played by FakeMpesaServer. */
export async function startMpesaApp(
  label: string,
  extra: Record<string, string> = {},
  role: Role = 'all',
): Promise<{ app: TestApp; fake: FakeMpesaServer; close(): Promise<void> }> {
  const fake = new FakeMpesaServer();
  const fakeUrl = await fake.start();
  const app = await startTestApp(label, mpesaEnv(fakeUrl, await freePort(), extra), role);
  return {
    app,
    fake,
    async close() {
      await app.close();
      await fake.stop();
    },
  };
}

/** POSTs a callback body to our route as Daraja would. */
export async function postCallback(
  app: TestApp,
  kind: string,
  body: unknown,
  token = CALLBACK_TOKEN,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${app.url}/api/v1/payments/mpesa/${kind}/${token}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
