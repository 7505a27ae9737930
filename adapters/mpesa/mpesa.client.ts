import { z } from 'zod';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/common/logger';
import { Decimal } from '../../src/common/money';
import { maskPhone } from '../../src/common/phone';
import {
  ProviderInDoubtError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from '../../src/payment/payment.provider';
import { fetchFailureReason } from '../http/fetch-failure';

/** The last path segments of our callback URLs; the routes and mpesa.callbacks.ts use the same names. */
export type MpesaCallbackKind = 'stk' | 'b2c/result' | 'b2c/timeout' | 'status/result' | 'status/timeout';

export interface MpesaClientOptions {
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  shortcode: string;
  passkey: string;
  initiatorName: string;
  securityCredential: string;
  publicBaseUrl: string;
  callbackToken: string;
  logger: Logger;
  /** Per HTTP call, token fetch included. */
  timeoutMs?: number;
  now?: () => Date;
}

export interface StkPushInput {
  phone: string;
  amount: string;
  currency: string;
  accountReference: string;
  description: string;
}
export interface B2cInput {
  originatorConversationId: string;
  phone: string;
  amount: string;
  currency: string;
  remarks: string;
  occasion?: string;
}
export interface StatusQueryInput {
  originalConversationId: string;
  remarks: string;
  occasion?: string;
}

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive() });
const stkAnswer = z.object({ MerchantRequestID: z.string(), CheckoutRequestID: z.string().min(1) });
const conversationAnswer = z.object({ ConversationID: z.string().min(1), OriginatorConversationID: z.string() });
const darajaError = z.object({ errorCode: z.string().optional(), errorMessage: z.string().optional() });
const darajaAck = z.object({ ResponseCode: z.string().optional(), ResponseDescription: z.string().optional() });

const nairobiClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Africa/Nairobi',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** YYYYMMDDHHmmss on the Nairobi wall clock: Daraja checks the password against its own local time. */
export function darajaTimestamp(at: Date): string {
  const p = Object.fromEntries(nairobiClock.formatToParts(at).map((part) => [part.type, part.value]));
  return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`;
}

export function stkPassword(shortcode: string, passkey: string, timestamp: string): string {
  return Buffer.from(`${shortcode}${passkey}${timestamp}`).toString('base64');
}

/** +254712345678 -> 254712345678. M-Pesa only reaches Kenyan mobiles (07.. and 01..). */
export function toMsisdn(phone: string): string {
  const digits = phone.trim().replace(/^\+/, '');
  if (!/^254[17]\d{8}$/.test(digits))
    throw new ProviderRejectedError(`M-Pesa cannot reach ${maskPhone(phone)}: not a Kenyan mobile number`);
  return digits;
}

/** Daraja takes an integer amount; refusing cents here is what stops us silently rounding someone's money. */
export function wholeShillings(amount: string, currency: string): number {
  if (currency !== 'KES') throw new ProviderRejectedError(`M-Pesa moves KES only, not ${currency}`);
  let value: Decimal;
  try {
    value = new Decimal(amount);
  } catch {
    throw new ProviderRejectedError(`"${amount}" is not an amount`);
  }
  if (!value.isFinite() || value.lte(0) || !value.isInteger()) {
    throw new ProviderRejectedError(`M-Pesa moves whole shillings only, not ${amount} KES`);
  }
  return value.toNumber();
}

export class MpesaClient {
  private readonly timeoutMs: number;
  private readonly now: () => Date;
  private token: { value: string; renewAt: number } | null = null;
  private tokenInFlight: Promise<string> | null = null;

  constructor(private readonly opts: MpesaClientOptions) {
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.now = opts.now ?? (() => new Date());
  }

  static fromConfig(config: Config, logger: Logger, extra: Pick<MpesaClientOptions, 'timeoutMs'> = {}): MpesaClient {
    const required = [
      'MPESA_CONSUMER_KEY',
      'MPESA_CONSUMER_SECRET',
      'MPESA_SHORTCODE',
      'MPESA_PASSKEY',
      'MPESA_INITIATOR_NAME',
      'MPESA_SECURITY_CREDENTIAL',
      'MPESA_CALLBACK_TOKEN',
    ] as const;
    const missing = required.filter((key) => !config[key]);
    if (missing.length > 0) throw new Error(`M-Pesa is not configured: set ${missing.join(', ')}`);
    return new MpesaClient({
      baseUrl: config.MPESA_BASE_URL,
      consumerKey: config.MPESA_CONSUMER_KEY!,
      consumerSecret: config.MPESA_CONSUMER_SECRET!,
      shortcode: config.MPESA_SHORTCODE!,
      passkey: config.MPESA_PASSKEY!,
      initiatorName: config.MPESA_INITIATOR_NAME!,
      securityCredential: config.MPESA_SECURITY_CREDENTIAL!,
      publicBaseUrl: config.PUBLIC_BASE_URL,
      callbackToken: config.MPESA_CALLBACK_TOKEN!,
      logger,
      ...extra,
    });
  }

  callbackUrl(kind: MpesaCallbackKind): string {
    return `${this.opts.publicBaseUrl.replace(/\/+$/, '')}/api/v1/payments/mpesa/${kind}/${this.opts.callbackToken}`;
  }

  async stkPush(input: StkPushInput): Promise<{ checkoutRequestId: string; merchantRequestId: string }> {
    const amount = wholeShillings(input.amount, input.currency);
    const phone = toMsisdn(input.phone);
    const timestamp = darajaTimestamp(this.now());
    const { shortcode, passkey } = this.opts;
    const answer = await this.post('/mpesa/stkpush/v1/processrequest', 'STK push', stkAnswer, {
      BusinessShortCode: shortcode,
      Password: stkPassword(shortcode, passkey, timestamp),
      Timestamp: timestamp,
      TransactionType: 'CustomerPayBillOnline',
      Amount: amount,
      PartyA: phone,
      PartyB: shortcode,
      PhoneNumber: phone,
      CallBackURL: this.callbackUrl('stk'),
      // Daraja's documented limits: 12 characters of reference, 13 of description.
      AccountReference: input.accountReference.slice(0, 12),
      TransactionDesc: input.description.slice(0, 13) || 'Payment',
    });
    return { checkoutRequestId: answer.CheckoutRequestID, merchantRequestId: answer.MerchantRequestID };
  }

  async b2cPayment(input: B2cInput): Promise<{ conversationId: string; originatorConversationId: string }> {
    const amount = wholeShillings(input.amount, input.currency);
    const phone = toMsisdn(input.phone);
    const answer = await this.post('/mpesa/b2c/v3/paymentrequest', 'B2C payment', conversationAnswer, {
      OriginatorConversationID: input.originatorConversationId,
      InitiatorName: this.opts.initiatorName,
      SecurityCredential: this.opts.securityCredential,
      CommandID: 'BusinessPayment',
      Amount: amount,
      PartyA: this.opts.shortcode,
      PartyB: phone,
      Remarks: input.remarks.slice(0, 100) || 'Payout',
      QueueTimeOutURL: this.callbackUrl('b2c/timeout'),
      ResultURL: this.callbackUrl('b2c/result'),
      Occasion: input.occasion ?? '',
    });
    return { conversationId: answer.ConversationID, originatorConversationId: answer.OriginatorConversationID };
  }

  /** Asynchronous at Safaricom: this only asks; the answer is POSTed to the status/result URL. */
  async transactionStatus(input: StatusQueryInput): Promise<{ conversationId: string }> {
    const answer = await this.post(
      '/mpesa/transactionstatus/v1/query',
      'Transaction status query',
      conversationAnswer,
      {
        Initiator: this.opts.initiatorName,
        SecurityCredential: this.opts.securityCredential,
        CommandID: 'TransactionStatusQuery',
        OriginalConversationID: input.originalConversationId,
        PartyA: this.opts.shortcode,
        IdentifierType: '4',
        ResultURL: this.callbackUrl('status/result'),
        QueueTimeOutURL: this.callbackUrl('status/timeout'),
        Remarks: input.remarks.slice(0, 100) || 'Status',
        Occasion: input.occasion ?? '',
      },
    );
    return { conversationId: answer.ConversationID };
  }

  /** One OAuth call serves every request until shortly before expiry; concurrent callers share the call. */
  async accessToken(): Promise<string> {
    if (this.token && this.now().getTime() < this.token.renewAt) return this.token.value;
    this.tokenInFlight ??= this.fetchToken().finally(() => (this.tokenInFlight = null));
    return this.tokenInFlight;
  }

  private async fetchToken(): Promise<string> {
    const basic = Buffer.from(`${this.opts.consumerKey}:${this.opts.consumerSecret}`).toString('base64');
    // A token request moves no money: failing to get one leaves the business request unsent, never in doubt.
    const { status, json } = await this.send(
      'GET',
      '/oauth/v1/generate?grant_type=client_credentials',
      `Basic ${basic}`,
      undefined,
      'OAuth token',
    ).catch((err: Error) => {
      throw new ProviderUnavailableError(err.message);
    });
    let answer: z.infer<typeof tokenAnswer>;
    try {
      answer = this.check(status, json, 'OAuth token', tokenAnswer);
    } catch (err) {
      throw err instanceof ProviderInDoubtError ? new ProviderUnavailableError(err.message) : err;
    }
    const ttlMs = answer.expires_in * 1000;
    const margin = Math.min(60_000, ttlMs / 2);
    this.token = { value: answer.access_token, renewAt: this.now().getTime() + ttlMs - margin };
    return answer.access_token;
  }

  private async post<T>(path: string, what: string, schema: z.ZodType<T>, body: Record<string, unknown>): Promise<T> {
    let { status, json } = await this.send('POST', path, `Bearer ${await this.accessToken()}`, body, what);
    if (status === 401) {
      // Safaricom may revoke a token before its expires_in: fetch a fresh one and try once more.
      this.token = null;
      ({ status, json } = await this.send('POST', path, `Bearer ${await this.accessToken()}`, body, what));
    }
    return this.check(status, json, what, schema);
  }

  private async send(
    method: string,
    path: string,
    authorization: string,
    body: unknown,
    what: string,
  ): Promise<{ status: number; json: unknown }> {
    try {
      const res = await fetch(`${this.opts.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: {
          Authorization: authorization,
          Accept: 'application/json',
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = { errorMessage: text.slice(0, 200) };
      }
      return { status: res.status, json };
    } catch (err) {
      const reason = fetchFailureReason(err, this.timeoutMs);
      this.opts.logger.warn({ path, reason }, 'M-Pesa unreachable');
      // Refused or unresolved connections never carried the request; a timeout or a dropped connection may have.
      if (NOT_SENT.has(reason)) throw new ProviderUnavailableError(`${what}: M-Pesa unreachable (${reason})`);
      throw new ProviderInDoubtError(`${what}: no answer from M-Pesa (${reason}); it may have been carried out`);
    }
  }

  private check<T>(status: number, json: unknown, what: string, schema: z.ZodType<T>): T {
    const error = darajaError.safeParse(json).data;
    const ack = darajaAck.safeParse(json).data;
    const message = error?.errorMessage ?? ack?.ResponseDescription ?? `HTTP ${status}`;
    // 429 is Safaricom's spike arrest: a later try will pass, so it is a transport problem, not a refusal.
    if (status >= 500 || status === 429)
      throw new ProviderUnavailableError(`${what}: M-Pesa answered ${status}: ${message}`);
    if (status >= 400 || error?.errorCode) throw new ProviderRejectedError(`${what} refused by M-Pesa: ${message}`);
    if (ack?.ResponseCode !== undefined && ack.ResponseCode !== '0')
      throw new ProviderRejectedError(`${what} refused by M-Pesa: ${message}`);
    const parsed = schema.safeParse(json);
    // A 2xx we cannot read may well have been carried out.
    if (!parsed.success) throw new ProviderInDoubtError(`${what}: unexpected answer from M-Pesa (HTTP ${status})`);
    return parsed.data;
  }
}

/** Failures of the connection itself (fetchFailureReason's codes): the request never left, so a retry may send it. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
