import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Safaricom Daraja on 127.0.0.1: OAuth, STK push, B2C v3 and Transaction Status, answering as the
 * documentation shows and POSTing the documented callbacks to the URLs given in each request.
 * Faults (failNext, stallNext, rejectNext) hit the business endpoints unless scope 'oauth' is passed.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}
export interface Delivery {
  url: string;
  body: unknown;
  status: number | null;
}
type Scope = 'api' | 'oauth';
type Fault = { scope: Scope } & (
  | { kind: 'fail'; status: number }
  | { kind: 'stall' }
  | { kind: 'late'; ms: number }
  | { kind: 'reject'; message: string; style: 'errorBody' | 'responseCode' }
);
interface B2cRecord {
  conversationId: string;
  transactionId: string;
  amount: number;
  code: number;
}

export const RESULT_DESC: Record<number, string> = {
  0: 'The service request is processed successfully.',
  1: 'The balance is insufficient for the transaction.',
  1032: 'Request cancelled by user',
  2001: 'The initiator information is invalid.',
};

export class FakeMpesaServer {
  readonly requests: RecordedRequest[] = [];
  readonly deliveries: Delivery[] = [];
  /** Remembered B2C requests, by our OriginatorConversationID. */
  readonly b2c = new Map<string, B2cRecord>();
  duplicateCallbacks = false;
  /** M-Pesa's per-transaction maximum (KES 250,000): an STK push or B2C payment above it is refused. */
  maxAmount = 250_000;
  callbackDelayMs = 0;
  tokenTtlSeconds = 3599;
  /** While set, every Transaction Status query is answered with this ResultCode (e.g. 2001, bad initiator). */
  statusResultCode: number | null = null;
  private server: Server | null = null;
  private faults: Fault[] = [];
  private resultCodes: number[] = [];
  private queueTimeouts = 0;
  private holding = false;
  private held: (() => Promise<void>)[] = [];
  private readonly tokens = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(readonly credentials = { key: 'test-consumer-key', secret: 'test-consumer-secret' }) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.held = [];
    await Promise.allSettled([...this.inFlight]);
    this.server?.closeAllConnections(); // also ends the stalled requests
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  /** Drops the faults not yet used (a case's leftovers must not hit the next case's requests); returns how many. */
  clearFaults(): number {
    const left = this.faults.length;
    this.faults = [];
    return left;
  }
  failNext(n: number, status = 500, scope: Scope = 'api'): void {
    this.queue(n, { scope, kind: 'fail', status });
  }
  stallNext(n: number, scope: Scope = 'api'): void {
    this.queue(n, { scope, kind: 'stall' });
  }
  /**
   * The next n business requests are carried out at once (the STK prompt shown, the B2C paid, callbacks sent) but
   * answered only after ms: a client with a shorter timeout gives up on a request that did happen.
   */
  lateNext(n: number, ms: number): void {
    this.queue(n, { scope: 'api', kind: 'late', ms });
  }
  rejectNext(
    n: number,
    message = 'Bad Request - Invalid PhoneNumber',
    style: 'errorBody' | 'responseCode' = 'errorBody',
  ): void {
    this.queue(n, { scope: 'api', kind: 'reject', message, style });
  }
  /** The next n STK/B2C results carry this ResultCode: 1032 cancelled by user, 2001 bad initiator, 1 no balance. */
  failResultsNext(n: number, code = 1032): void {
    for (let i = 0; i < n; i++) this.resultCodes.push(code);
  }
  /** The next n B2C requests end with a post to QueueTimeOutURL instead of ResultURL. */
  queueTimeoutNext(n: number): void {
    this.queueTimeouts += n;
  }
  /** Makes every issued token invalid, as when Safaricom revokes one early. */
  revokeTokens(): void {
    this.tokens.clear();
  }
  holdCallbacks(): void {
    this.holding = true;
  }
  /** Delivers the oldest n held callbacks and keeps holding the rest and any that come after. */
  async deliverHeld(n = 1): Promise<void> {
    for (const deliver of this.held.splice(0, n)) await deliver();
  }
  /** How many callbacks are held back now. */
  get heldCount(): number {
    return this.held.length;
  }
  /** Delivers held callbacks one after the other; 'reverse' delivers the newest first. */
  async releaseCallbacks(order: 'in-order' | 'reverse' = 'in-order'): Promise<void> {
    this.holding = false;
    const batch = order === 'reverse' ? this.held.reverse() : this.held;
    this.held = [];
    for (const deliver of batch) await deliver();
  }
  async waitForDeliveries(n: number, timeoutMs = 3000): Promise<Delivery[]> {
    const until = Date.now() + timeoutMs;
    while (this.deliveries.length < n) {
      if (Date.now() > until) throw new Error(`fake M-Pesa: ${this.deliveries.length} of ${n} callbacks delivered`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.deliveries;
  }
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  private queue(n: number, fault: Fault): void {
    for (let i = 0; i < n; i++) this.faults.push(fault);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await new Promise<string>((resolve) => {
      let s = '';
      req.on('data', (c) => (s += c));
      req.on('end', () => resolve(s));
    });
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: Record<string, unknown> = {};
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return reply(res, 400, { errorCode: '400.002.05', errorMessage: 'Invalid Request Payload' });
    }
    this.requests.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body });
    const scope: Scope = url.pathname === '/oauth/v1/generate' ? 'oauth' : 'api';
    const i = this.faults.findIndex((f) => f.scope === scope);
    const fault = i >= 0 ? this.faults.splice(i, 1)[0] : undefined;
    if (fault?.kind === 'stall') return; // never answered; stop() drops the connection
    if (fault?.kind === 'late') lateReplies.set(res, fault.ms);
    if (fault?.kind === 'fail')
      return reply(res, fault.status, {
        requestId: id(),
        errorCode: `${fault.status}.003.02`,
        errorMessage: 'Spike arrest / service unavailable',
      });
    if (fault?.kind === 'reject' && fault.style === 'errorBody')
      return reply(res, 400, { requestId: id(), errorCode: '400.002.02', errorMessage: fault.message });
    if (fault?.kind === 'reject') return reply(res, 200, { ResponseCode: '1', ResponseDescription: fault.message });
    if (scope === 'oauth') return this.issueToken(req, res);
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!this.tokens.has(bearer))
      return reply(res, 401, { requestId: id(), errorCode: '404.001.03', errorMessage: 'Invalid Access Token' });
    if (url.pathname === '/mpesa/stkpush/v1/processrequest') return this.stkPush(body, res);
    if (url.pathname === '/mpesa/b2c/v3/paymentrequest') return this.b2cPayment(body, res);
    if (url.pathname === '/mpesa/transactionstatus/v1/query') return this.statusQuery(body, res);
    reply(res, 404, { requestId: id(), errorCode: '404.001.01', errorMessage: 'Resource not found' });
  }

  private issueToken(req: IncomingMessage, res: ServerResponse): void {
    const expected = `Basic ${Buffer.from(`${this.credentials.key}:${this.credentials.secret}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      return reply(res, 400, { errorCode: '400.008.01', errorMessage: 'Invalid Authentication passed' });
    const token = id();
    this.tokens.add(token);
    reply(res, 200, { access_token: token, expires_in: String(this.tokenTtlSeconds) });
  }

  private stkPush(b: Record<string, unknown>, res: ServerResponse): void {
    const invalid = badAmountOrPhone(b.Amount, b.PhoneNumber, this.maxAmount);
    if (invalid) return reply(res, 400, { requestId: id(), errorCode: '400.002.02', errorMessage: invalid });
    const checkoutRequestId = `ws_CO_${Date.now()}${id().slice(0, 6)}`;
    const code = this.resultCodes.shift() ?? 0;
    reply(res, 200, {
      MerchantRequestID: id(),
      CheckoutRequestID: checkoutRequestId,
      ResponseCode: '0',
      ResponseDescription: 'Success. Request accepted for processing',
      CustomerMessage: 'Success. Request accepted for processing',
    });
    const items = [
      { Name: 'Amount', Value: b.Amount },
      { Name: 'MpesaReceiptNumber', Value: receipt() },
      { Name: 'Balance' },
      { Name: 'TransactionDate', Value: 20261128120000 },
      { Name: 'PhoneNumber', Value: Number(b.PhoneNumber) },
    ];
    const stkCallback = {
      MerchantRequestID: id(),
      CheckoutRequestID: checkoutRequestId,
      ResultCode: code,
      ResultDesc: RESULT_DESC[code] ?? 'Failed',
      ...(code === 0 ? { CallbackMetadata: { Item: items } } : {}),
    };
    this.callback(String(b.CallBackURL), { Body: { stkCallback } });
  }

  private b2cPayment(b: Record<string, unknown>, res: ServerResponse): void {
    const ocid = String(b.OriginatorConversationID ?? '');
    const invalid = !ocid
      ? 'Bad Request - Invalid OriginatorConversationID'
      : badAmountOrPhone(b.Amount, b.PartyB, this.maxAmount);
    if (invalid) return reply(res, 400, { requestId: id(), errorCode: '400.002.02', errorMessage: invalid });
    const record: B2cRecord = {
      conversationId: `AG_20261128_${id().slice(0, 20)}`,
      transactionId: receipt(),
      amount: Number(b.Amount),
      code: this.resultCodes.shift() ?? 0,
    };
    this.b2c.set(ocid, record);
    reply(res, 200, {
      ConversationID: record.conversationId,
      OriginatorConversationID: ocid,
      ResponseCode: '0',
      ResponseDescription: 'Accept the service request successfully.',
    });
    const base = {
      OriginatorConversationID: ocid,
      ConversationID: record.conversationId,
      TransactionID: record.transactionId,
    };
    if (this.queueTimeouts > 0) {
      this.queueTimeouts--;
      return this.callback(String(b.QueueTimeOutURL), {
        Result: { ResultType: 1, ResultCode: 'SFC_IC0003', ResultDesc: 'The service request has timed out.', ...base },
      });
    }
    const params =
      record.code === 0
        ? {
            ResultParameters: {
              ResultParameter: [
                { Key: 'TransactionAmount', Value: record.amount },
                { Key: 'TransactionReceipt', Value: record.transactionId },
                { Key: 'ReceiverPartyPublicName', Value: `${String(b.PartyB)} - Test Payee` },
                { Key: 'B2CRecipientIsRegisteredCustomer', Value: 'Y' },
              ],
            },
          }
        : {};
    this.callback(String(b.ResultURL), {
      Result: {
        ResultType: 0,
        ResultCode: record.code,
        ResultDesc: RESULT_DESC[record.code] ?? 'Failed',
        ...base,
        ...params,
      },
    });
  }

  private statusQuery(b: Record<string, unknown>, res: ServerResponse): void {
    const original = String(b.OriginalConversationID ?? '');
    const record = this.b2c.get(original) ?? [...this.b2c.values()].find((r) => r.transactionId === b.TransactionID);
    const conversationId = `AG_20261128_${id().slice(0, 20)}`;
    reply(res, 200, {
      OriginatorConversationID: id(),
      ConversationID: conversationId,
      ResponseCode: '0',
      ResponseDescription: 'Accept the service request successfully.',
    });
    const head = {
      ResultType: 0,
      OriginatorConversationID: id(),
      ConversationID: conversationId,
      ReferenceData: { ReferenceItem: { Key: 'Occasion', Value: b.Occasion ?? '' } },
    };
    if (this.statusResultCode !== null)
      return this.callback(String(b.ResultURL), {
        Result: {
          ...head,
          ResultCode: this.statusResultCode,
          ResultDesc: RESULT_DESC[this.statusResultCode] ?? 'Failed',
        },
      });
    if (!record)
      return this.callback(String(b.ResultURL), {
        Result: { ...head, ResultCode: 2032, ResultDesc: 'The transaction could not be found.' },
      });
    this.callback(String(b.ResultURL), {
      Result: {
        ...head,
        ResultCode: 0,
        ResultDesc: RESULT_DESC[0],
        TransactionID: record.transactionId,
        ResultParameters: {
          ResultParameter: [
            { Key: 'ReceiptNo', Value: record.transactionId },
            { Key: 'Amount', Value: record.amount },
            { Key: 'TransactionStatus', Value: record.code === 0 ? 'Completed' : 'Failed' },
            { Key: 'ReasonType', Value: RESULT_DESC[record.code] ?? 'Failed' },
            { Key: 'Originator Conversation ID', Value: original },
            { Key: 'Conversation ID', Value: record.conversationId },
          ],
        },
      },
    });
  }

  private callback(url: string, body: unknown): void {
    for (let copy = 0; copy < (this.duplicateCallbacks ? 2 : 1); copy++) {
      const deliver = () => this.post(url, body);
      if (this.holding) {
        this.held.push(deliver);
        continue;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void deliver();
      }, this.callbackDelayMs);
      this.timers.add(timer);
    }
  }

  private post(url: string, body: unknown): Promise<void> {
    const delivery: Delivery = { url, body, status: null };
    const sent = fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    })
      .then(async (r) => {
        delivery.status = r.status;
        await r.text();
      })
      .catch(() => undefined) // an unreachable receiver is recorded as status null, as Daraja would just give up
      .finally(() => {
        this.deliveries.push(delivery);
        this.inFlight.delete(sent);
      });
    this.inFlight.add(sent);
    return sent;
  }
}

const lateReplies = new WeakMap<ServerResponse, number>();
function reply(res: ServerResponse, status: number, body: unknown): void {
  const send = () => {
    if (!res.destroyed) res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  const late = lateReplies.get(res);
  if (late) setTimeout(send, late).unref();
  else send();
}
const id = () => randomBytes(12).toString('hex');
const receipt = () => `T${randomBytes(5).toString('hex').toUpperCase().slice(0, 9)}`;
function badAmountOrPhone(amount: unknown, phone: unknown, max: number): string | null {
  if (typeof amount !== 'number' || !Number.isInteger(amount) || amount < 1 || amount > max)
    return 'Bad Request - Invalid Amount';
  return /^254\d{9}$/.test(String(phone)) ? null : 'Bad Request - Invalid PhoneNumber';
}
