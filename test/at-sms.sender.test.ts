import pino from 'pino';
import { AfricasTalkingSmsSender, type AfricasTalkingSmsOptions } from '../adapters/sms/at-sms.sender';
import { loadConfig } from '../src/config';
import { FakeAfricasTalkingServer } from './fakes/fake-at.server';

const logger = pino({ level: 'silent' });
const message = { to: '+254712345678', text: 'Your VoicePact code is 482913' };

let fake: FakeAfricasTalkingServer;
let baseUrl: string;
const sender = (overrides: Partial<AfricasTalkingSmsOptions> = {}) =>
  new AfricasTalkingSmsSender({
    username: 'voicepact',
    apiKey: 'test-at-api-key',
    baseUrl,
    logger,
    timeoutMs: 2000,
    ...overrides,
  });

beforeEach(async () => {
  fake = new FakeAfricasTalkingServer();
  baseUrl = await fake.start();
});
afterEach(() => fake.stop());

it('posts the documented form with the apiKey header and reports SENT with the message id', async () => {
  const result = await sender({ senderId: 'VOICEPACT' }).send(message);
  expect(result).toEqual({ status: 'SENT', messageId: expect.stringMatching(/^ATXid_/), detail: 'Success' });
  const [req] = fake.requests;
  expect(req.path).toBe('/version1/messaging');
  expect(req.headers).toMatchObject({
    apikey: 'test-at-api-key',
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
  });
  expect(req.form).toEqual({
    username: 'voicepact',
    to: '+254712345678',
    message: 'Your VoicePact code is 482913',
    from: 'VOICEPACT',
  });
});

it('leaves "from" out when no sender id is configured', async () => {
  await sender().send(message);
  expect(fake.requests[0].form).not.toHaveProperty('from');
});

it('reports a per-recipient refusal as REJECTED with the status', async () => {
  fake.rejectNext(1, 'UserInBlacklist', 406);
  await expect(sender().send(message)).resolves.toEqual({ status: 'REJECTED', detail: 'UserInBlacklist (406)' });
});

it('reports a bad API key as REJECTED rather than retrying forever', async () => {
  const result = await sender({ apiKey: 'wrong' }).send(message);
  expect(result.status).toBe('REJECTED');
  expect(result.detail).toMatch(/401.*authentication is invalid/);
});

it('throws on a 5xx so the notifications queue retries, and the retry is sent', async () => {
  fake.failNext(1, 503);
  await expect(sender().send(message)).rejects.toThrow(/503/);
  await expect(sender().send(message)).resolves.toMatchObject({ status: 'SENT' });
  expect(fake.requests).toHaveLength(2);
});

it("throws when Africa's Talking does not answer in time", async () => {
  fake.stallNext(1);
  await expect(sender({ timeoutMs: 150 }).send(message)).rejects.toThrow(/no answer within 150 ms/);
});

it("throws when Africa's Talking cannot be reached", async () => {
  await fake.stop();
  await expect(sender().send(message)).rejects.toThrow(/unreachable: ECONNREFUSED/);
  baseUrl = await fake.start(); // afterEach stops it again
});

it('is built from Config, AT_BASE_URL pointing it at the fake', async () => {
  const config = loadConfig({
    AT_USERNAME: 'voicepact',
    AT_API_KEY: 'test-at-api-key',
    AT_SMS_SENDER_ID: 'VOICEPACT',
    AT_BASE_URL: baseUrl,
  });
  await expect(AfricasTalkingSmsSender.fromConfig(config, logger).send(message)).resolves.toMatchObject({
    status: 'SENT',
  });
  expect(fake.requests[0].form.from).toBe('VOICEPACT');
});

describe('host by username', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each([
    ['sandbox', 'https://api.sandbox.africastalking.com/version1/messaging'],
    ['voicepact', 'https://api.africastalking.com/version1/messaging'],
  ])('%s -> %s', async (username, url) => {
    const body = {
      SMSMessageData: {
        Message: 'Sent to 1/1',
        Recipients: [{ statusCode: 101, status: 'Success', messageId: 'ATXid_1' }],
      },
    };
    const fetchSpy = jest
      .spyOn(globalThis, 'fetch')
      .mockResolvedValue(new Response(JSON.stringify(body), { status: 201 }));
    await new AfricasTalkingSmsSender({ username, apiKey: 'k', logger }).send(message);
    expect(fetchSpy).toHaveBeenCalledWith(url, expect.objectContaining({ method: 'POST' }));
  });
});
