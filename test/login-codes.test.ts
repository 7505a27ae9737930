import type { DevSmsSender } from '../adapters/sms/dev-sms.sender';
import { LoginCode } from '../src/auth/login-code.entity';
import { startTestApp, type TestApp } from './support/app';
import { errorCode } from './support/fixtures';

/** Issue 10, defect 7: a login code cannot be guessed; failures leave a trace that a rollback cannot undo. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('logincodes', { LOGIN_GUESSES_PER_PHONE: '7', LOGIN_GUESSES_PER_ADDRESS: '23' });
});
afterAll(() => app.close());

const REQUEST = 'mutation($p: String!) { requestLoginCode(phoneNumber: $p) }';
const VERIFY = 'mutation($p: String!, $c: String!) { verifyLoginCode(phoneNumber: $p, code: $c) { token } }';

async function requestCode(phone: string): Promise<string> {
  const sms = app.running.sms as DevSmsSender;
  const before = sms.sent.length;
  const res = await app.gql(REQUEST, { p: phone });
  expect(res.body.errors).toBeUndefined();
  const code = sms.sent
    .slice(before)
    .map((m) => m.to === phone && /(\d{6})/.exec(m.text)?.[1])
    .find(Boolean);
  if (!code) throw new Error('no code sent');
  return code;
}

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
const verify = (phone: string, code: string) => app.gql(VERIFY, { p: phone, c: code });

test('eight wrong guesses, then the right code: refused, and the failures are counted in the database', async () => {
  const phone = '+254711000001';
  const code = await requestCode(phone);
  for (let i = 0; i < 8; i++) {
    const res = await verify(phone, wrong(code));
    expect(res.body.data).toBeNull();
    expect(['UNAUTHENTICATED', 'RATE_LIMITED']).toContain(errorCode(res.body));
  }
  const right = await verify(phone, code);
  expect(right.body.data).toBeNull();
  expect(['UNAUTHENTICATED', 'RATE_LIMITED']).toContain(errorCode(right.body));
  const row = await app.running.orm.em.fork().findOneOrFail(LoginCode, { phoneNumber: phone });
  expect(row.attempts).toBe(5);
  expect(row.consumedAt ?? null).toBeNull();
});

test('the code is dead after five wrong guesses even without the rate limit', async () => {
  const phone = '+254711000002';
  const code = await requestCode(phone);
  for (let i = 0; i < 5; i++) expect(errorCode((await verify(phone, wrong(code))).body)).toBe('UNAUTHENTICATED');
  expect(errorCode((await verify(phone, code)).body)).toBe('UNAUTHENTICATED');
  // A new code works, within the phone's guess budget (7 failures an hour here; 6 used).
  const next = await requestCode(phone);
  expect((await verify(phone, next)).body.data.verifyLoginCode.token).toMatch(/^vps_/);
});

test('guesses are limited per phone across codes, and per address across phones', async () => {
  const phone = '+254711000003';
  const first = await requestCode(phone);
  for (let i = 0; i < 5; i++) await verify(phone, wrong(first));
  const second = await requestCode(phone);
  for (let i = 0; i < 2; i++) expect(errorCode((await verify(phone, wrong(second))).body)).toBe('UNAUTHENTICATED');
  const refused = await verify(phone, second);
  expect(errorCode(refused.body)).toBe('RATE_LIMITED');
  expect(refused.body.data).toBeNull();

  // This address has failed 7 + 6 + 7 times by now (23 allowed): three more, and a fresh phone is refused too.
  const other = '+254711000004';
  const code = await requestCode(other);
  for (let i = 0; i < 3; i++) expect(errorCode((await verify(other, wrong(code))).body)).toBe('UNAUTHENTICATED');
  const res = await verify(other, code);
  expect(errorCode(res.body)).toBe('RATE_LIMITED');
});
