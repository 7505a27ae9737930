import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { parseMpesaCallback } from '../adapters/mpesa/mpesa.callbacks';
import { darajaTimestamp, MpesaClient, type MpesaClientOptions } from '../adapters/mpesa/mpesa.client';
import { MpesaProvider } from '../adapters/mpesa/mpesa.provider';
import {
  ProviderInDoubtError,
  ProviderRejectedError,
  ProviderUnavailableError,
  type PayoutRequest,
} from '../src/payment/payment.provider';
import { FakeMpesaServer } from './fakes/fake-mpesa.server';

const logger = pino({ level: 'silent' });
const TOKEN = 'cb-token-0123456789abcdef';

/** Plays our API's callback routes: records what the fake M-Pesa POSTs. */
async function startReceiver() {
  const received: { path: string; body: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(raw) });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ResultCode":0,"ResultDesc":"Accepted"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    received,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let fake: FakeMpesaServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let client: MpesaClient;
let provider: MpesaProvider;

function makeClient(overrides: Partial<MpesaClientOptions> = {}): MpesaClient {
  return new MpesaClient({
    baseUrl: fakeUrl,
    consumerKey: 'test-consumer-key',
    consumerSecret: 'test-consumer-secret',
    shortcode: '174379',
    passkey: 'test-passkey',
    initiatorName: 'testapi',
    securityCredential: 'encrypted-credential',
    publicBaseUrl: receiver.url,
    callbackToken: TOKEN,
    logger,
    timeoutMs: 2000,
    ...overrides,
  });
}
let fakeUrl: string;

beforeEach(async () => {
  fake = new FakeMpesaServer();
  fakeUrl = await fake.start();
  receiver = await startReceiver();
  client = makeClient();
  provider = new MpesaProvider(client, logger);
});
afterEach(async () => {
  await fake.stop();
  await receiver.stop();
});

const deposit = {
  paymentId: 'pay-1',
  phone: '+254712345678',
  amount: '1500.00',
  currency: 'KES',
  accountReference: 'VP-7K3Q',
  description: 'Escrow VP-7K3Q',
};
const payout: PayoutRequest = {
  reference: 'PO-pay-1-R1',
  paymentId: 'pay-1',
  kind: 'RELEASE',
  phone: '+254722000111',
  amount: '2500',
  currency: 'KES',
  remarks: 'Release VP-7K3Q',
};

describe('OAuth token', () => {
  it('is fetched once for two requests, with Basic auth of key:secret', async () => {
    await client.stkPush(deposit);
    await client.b2cPayment({
      originatorConversationId: 'PO-x',
      phone: '+254712345678',
      amount: '10',
      currency: 'KES',
      remarks: 'r',
    });
    expect(fake.requestsTo('/oauth/v1/generate')).toHaveLength(1);
    expect(fake.requestsTo('/mpesa/stkpush/v1/processrequest')[0].headers.authorization).toMatch(/^Bearer [0-9a-f]+$/);
  });

  it('is shared by concurrent callers and renewed shortly before expires_in', async () => {
    let now = new Date('2026-11-28T09:00:00Z');
    const clocked = makeClient({ now: () => now });
    await Promise.all([clocked.accessToken(), clocked.accessToken()]);
    now = new Date(now.getTime() + 3000 * 1000); // well inside 3599 s
    await clocked.accessToken();
    expect(fake.requestsTo('/oauth/v1/generate')).toHaveLength(1);
    now = new Date(now.getTime() + 560 * 1000); // 3560 s: inside the renewal margin
    await clocked.accessToken();
    expect(fake.requestsTo('/oauth/v1/generate')).toHaveLength(2);
  });

  it('is fetched again when Safaricom refuses it early', async () => {
    await client.stkPush(deposit);
    fake.revokeTokens();
    await expect(client.stkPush(deposit)).resolves.toHaveProperty('checkoutRequestId');
    expect(fake.requestsTo('/oauth/v1/generate')).toHaveLength(2);
  });
});

describe('STK push', () => {
  it('sends the documented body with a Nairobi-time password', async () => {
    const at = new Date('2026-11-28T21:30:05Z'); // 00:30:05 the next day in Nairobi (UTC+3)
    await makeClient({ now: () => at }).stkPush(deposit);
    const body = fake.requestsTo('/mpesa/stkpush/v1/processrequest')[0].body;
    expect(darajaTimestamp(at)).toBe('20261129003005');
    expect(body).toEqual({
      BusinessShortCode: '174379',
      Timestamp: '20261129003005',
      Password: Buffer.from('174379test-passkey20261129003005').toString('base64'),
      TransactionType: 'CustomerPayBillOnline',
      Amount: 1500,
      PartyA: '254712345678',
      PartyB: '174379',
      PhoneNumber: '254712345678',
      CallBackURL: `${receiver.url}/api/v1/payments/mpesa/stk/${TOKEN}`,
      AccountReference: 'VP-7K3Q',
      TransactionDesc: 'Escrow VP-7K3Q'.slice(0, 13),
    });
  });

  it('gets a callback that parses to a DEPOSIT_RESULT for its CheckoutRequestID', async () => {
    const { providerRef } = await provider.startDeposit(deposit);
    await fake.waitForDeliveries(1);
    expect(receiver.received[0].path).toBe(`/api/v1/payments/mpesa/stk/${TOKEN}`);
    const event = parseMpesaCallback('stk', receiver.received[0].body);
    expect(event).toEqual({
      type: 'DEPOSIT_RESULT',
      providerRef,
      outcome: { state: 'SUCCEEDED', receipt: expect.stringMatching(/^T[0-9A-F]{9}$/), amount: '1500.00' },
      payer: '+254712345678',
    });
  });

  it('reports a payer who cancels as FAILED with the reason', async () => {
    fake.failResultsNext(1, 1032);
    const { providerRef } = await provider.startDeposit(deposit);
    await fake.waitForDeliveries(1);
    expect(parseMpesaCallback('stk', receiver.received[0].body)).toEqual({
      type: 'DEPOSIT_RESULT',
      providerRef,
      outcome: { state: 'FAILED', reason: 'Request cancelled by user' },
    });
  });

  it('sends one push for the same payment asked twice at once', async () => {
    const [a, b] = await Promise.all([provider.startDeposit(deposit), provider.startDeposit(deposit)]);
    expect(a).toEqual(b);
    expect(fake.requestsTo('/mpesa/stkpush/v1/processrequest')).toHaveLength(1);
  });
});

describe('B2C payout', () => {
  it('uses our reference as OriginatorConversationID and its result names it', async () => {
    const { providerRef } = await provider.startPayout(payout);
    const body = fake.requestsTo('/mpesa/b2c/v3/paymentrequest')[0].body;
    expect(body).toMatchObject({
      OriginatorConversationID: 'PO-pay-1-R1',
      InitiatorName: 'testapi',
      SecurityCredential: 'encrypted-credential',
      CommandID: 'BusinessPayment',
      Amount: 2500,
      PartyA: '174379',
      PartyB: '254722000111',
      Remarks: 'Release VP-7K3Q',
      Occasion: 'RELEASE',
      ResultURL: `${receiver.url}/api/v1/payments/mpesa/b2c/result/${TOKEN}`,
      QueueTimeOutURL: `${receiver.url}/api/v1/payments/mpesa/b2c/timeout/${TOKEN}`,
    });
    expect(providerRef).toBe(fake.b2c.get('PO-pay-1-R1')?.conversationId);
    await fake.waitForDeliveries(1);
    expect(parseMpesaCallback('b2c/result', receiver.received[0].body)).toEqual({
      type: 'PAYOUT_RESULT',
      reference: 'PO-pay-1-R1',
      providerRef,
      outcome: { state: 'SUCCEEDED', receipt: fake.b2c.get('PO-pay-1-R1')?.transactionId, amount: '2500.00' },
    });
  });

  it('is sent once per reference within the process', async () => {
    const first = await provider.startPayout(payout);
    await expect(provider.startPayout(payout)).resolves.toEqual(first);
    expect(fake.requestsTo('/mpesa/b2c/v3/paymentrequest')).toHaveLength(1);
  });

  it('is reconciled from our reference: the status result names the payout and its receipt', async () => {
    await provider.startPayout(payout);
    await expect(provider.queryPayout('PO-pay-1-R1', null)).resolves.toEqual({ state: 'PENDING' });
    expect(fake.requestsTo('/mpesa/transactionstatus/v1/query')[0].body).toMatchObject({
      CommandID: 'TransactionStatusQuery',
      OriginalConversationID: 'PO-pay-1-R1',
      Occasion: 'PO-pay-1-R1',
      IdentifierType: '4',
      ResultURL: `${receiver.url}/api/v1/payments/mpesa/status/result/${TOKEN}`,
    });
    await fake.waitForDeliveries(2);
    const status = receiver.received.find((r) => r.path.includes('/status/result/'));
    expect(parseMpesaCallback('status/result', status?.body)).toMatchObject({
      type: 'PAYOUT_RESULT',
      reference: 'PO-pay-1-R1',
      outcome: { state: 'SUCCEEDED', receipt: fake.b2c.get('PO-pay-1-R1')?.transactionId, amount: '2500.00' },
    });
  });

  it('reconciles a payout M-Pesa never saw as UNKNOWN, not FAILED', async () => {
    await provider.queryPayout('PO-never-sent', null);
    await fake.waitForDeliveries(1);
    expect(parseMpesaCallback('status/result', receiver.received[0].body)).toEqual({
      type: 'PAYOUT_RESULT',
      reference: 'PO-never-sent',
      providerRef: null,
      outcome: { state: 'UNKNOWN' },
    });
  });

  it('turns a queue timeout into UNKNOWN for the reference', async () => {
    fake.queueTimeoutNext(1);
    await provider.startPayout(payout);
    await fake.waitForDeliveries(1);
    expect(receiver.received[0].path).toContain('/b2c/timeout/');
    expect(parseMpesaCallback('b2c/timeout', receiver.received[0].body)).toMatchObject({
      reference: 'PO-pay-1-R1',
      outcome: { state: 'UNKNOWN' },
    });
  });
});

describe('refusals and failures', () => {
  it.each([
    ['cents', '1500.50', 'KES', /whole shillings/],
    ['another currency', '1500', 'USD', /KES only/],
    ['zero', '0', 'KES', /whole shillings/],
  ])('refuses %s before any HTTP call', async (_what, amount, currency, message) => {
    await expect(provider.startDeposit({ ...deposit, amount, currency })).rejects.toThrow(message);
    await expect(provider.startPayout({ ...payout, amount, currency })).rejects.toBeInstanceOf(ProviderRejectedError);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a number M-Pesa cannot reach before any HTTP call', async () => {
    await expect(provider.startDeposit({ ...deposit, phone: '+447700900123' })).rejects.toBeInstanceOf(
      ProviderRejectedError,
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('maps a 5xx to ProviderUnavailableError, and a retry then succeeds', async () => {
    fake.failNext(1, 503);
    await expect(provider.startDeposit(deposit)).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(provider.startDeposit(deposit)).resolves.toHaveProperty('providerRef');
  });

  it('maps an OAuth 5xx to ProviderUnavailableError', async () => {
    fake.failNext(1, 500, 'oauth');
    await expect(client.stkPush(deposit)).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('maps bad consumer credentials to ProviderRejectedError', async () => {
    await expect(makeClient({ consumerSecret: 'wrong' }).stkPush(deposit)).rejects.toThrow(
      /Invalid Authentication passed/,
    );
  });

  it("maps a Daraja error body to ProviderRejectedError with Safaricom's message", async () => {
    fake.rejectNext(1, 'Bad Request - Invalid PhoneNumber');
    const err = await provider.startPayout(payout).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRejectedError);
    expect((err as Error).message).toContain('Bad Request - Invalid PhoneNumber');
  });

  it('maps a non-zero ResponseCode to ProviderRejectedError', async () => {
    fake.rejectNext(1, 'Duplicate OriginatorConversationID', 'responseCode');
    await expect(provider.startPayout(payout)).rejects.toThrow(/Duplicate OriginatorConversationID/);
    // The refusal is not remembered as the payout's result: a corrected retry goes through.
    await expect(provider.startPayout(payout)).resolves.toHaveProperty('providerRef');
  });

  it('gives up on a stalled call after its timeout with ProviderUnavailableError', async () => {
    fake.stallNext(1);
    const started = Date.now();
    const err = await makeClient({ timeoutMs: 200 })
      .stkPush(deposit)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(err).toBeInstanceOf(ProviderInDoubtError); // it may have prompted: never pushed again
    expect((err as Error).message).toMatch(/no answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('maps a refused connection to ProviderUnavailableError', async () => {
    await fake.stop();
    const err = await client.stkPush(deposit).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(err).not.toBeInstanceOf(ProviderInDoubtError); // nothing was sent: a retry may push
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    fake = new FakeMpesaServer(); // afterEach stops a fresh one
    await fake.start();
  });
});

describe('fake M-Pesa callback controls', () => {
  it('can duplicate callbacks, which parse to the same event', async () => {
    fake.duplicateCallbacks = true;
    await provider.startDeposit(deposit);
    await fake.waitForDeliveries(2);
    const [a, b] = receiver.received.map((r) => parseMpesaCallback('stk', r.body));
    expect(a).toEqual(b);
  });

  it('can hold callbacks and deliver them out of order', async () => {
    fake.holdCallbacks();
    const first = await provider.startDeposit(deposit);
    const second = await provider.startDeposit({ ...deposit, paymentId: 'pay-2' });
    expect(receiver.received).toHaveLength(0);
    await fake.releaseCallbacks('reverse');
    const refs = receiver.received
      .map((r) => parseMpesaCallback('stk', r.body))
      .map((e) => (e?.type === 'DEPOSIT_RESULT' ? e.providerRef : null));
    expect(refs).toEqual([second.providerRef, first.providerRef]);
  });
});
