import { z } from 'zod';
import { Decimal } from '../../src/common/money';
import { normalizePhone } from '../../src/common/phone';
import type { ProviderEvent, ProviderOutcome } from '../../src/payment/payment.provider';
import type { MpesaCallbackKind } from './mpesa.client';

/**
 * Daraja callback bodies -> ProviderEvent. Pure: no I/O, no clock. The Koa routes (another module) authenticate the
 * request, call parseMpesaCallback with the kind from the URL, and hand the event to PaymentService.applyProviderEvent.
 */
export class MpesaCallbackParseError extends Error {
  constructor(
    readonly kind: MpesaCallbackKind,
    detail: string,
  ) {
    super(`Malformed M-Pesa ${kind} callback: ${detail}`);
    this.name = 'MpesaCallbackParseError';
  }
}

// Daraja sends ResultCode as a number for most results and as a string for some (e.g. "SFC_IC0003").
const resultCode = z.union([z.number(), z.string()]);
const keyValue = z.object({ Key: z.string(), Value: z.unknown().optional() });
// A single parameter arrives as an object rather than a one-element array.
const keyValues = z.union([z.array(keyValue), keyValue]).transform((v) => (Array.isArray(v) ? v : [v]));

const stkCallback = z.object({
  Body: z.object({
    stkCallback: z.object({
      CheckoutRequestID: z.string().min(1),
      ResultCode: resultCode,
      ResultDesc: z.string(),
      CallbackMetadata: z
        .object({ Item: z.array(z.object({ Name: z.string(), Value: z.unknown().optional() })) })
        .optional(),
    }),
  }),
});

const result = z.object({
  Result: z.object({
    ResultCode: resultCode,
    ResultDesc: z.string().default(''),
    OriginatorConversationID: z.string().optional(),
    ConversationID: z.string().optional(),
    TransactionID: z.string().optional(),
    ResultParameters: z.object({ ResultParameter: keyValues }).optional(),
    ReferenceData: z.object({ ReferenceItem: keyValues }).optional(),
  }),
});
type DarajaResult = z.infer<typeof result>['Result'];

export function parseMpesaCallback(kind: MpesaCallbackKind, body: unknown): ProviderEvent | null {
  switch (kind) {
    case 'stk':
      return parseStkCallback(body);
    case 'b2c/result':
      return parseB2cResult(body);
    case 'b2c/timeout':
      return parseB2cTimeout(body);
    case 'status/result':
      return parseStatusResult(body);
    case 'status/timeout':
      return null; // nothing learnt; reconciliation simply asks again later
  }
}

export function parseStkCallback(body: unknown): ProviderEvent {
  const cb = parse('stk', stkCallback, body).Body.stkCallback;
  if (!isZero(cb.ResultCode)) {
    return {
      type: 'DEPOSIT_RESULT',
      providerRef: cb.CheckoutRequestID,
      outcome: { state: 'FAILED', reason: cb.ResultDesc },
    };
  }
  const items = new Map((cb.CallbackMetadata?.Item ?? []).map((i) => [i.Name, i.Value]));
  const receipt = items.get('MpesaReceiptNumber');
  if (typeof receipt !== 'string' || receipt === '')
    throw new MpesaCallbackParseError('stk', 'success without MpesaReceiptNumber');
  const amount = decimalOrUndefined(items.get('Amount'));
  const payer = phoneOrUndefined(items.get('PhoneNumber'));
  return {
    type: 'DEPOSIT_RESULT',
    providerRef: cb.CheckoutRequestID,
    outcome: { state: 'SUCCEEDED', receipt, ...(amount ? { amount } : {}) },
    ...(payer ? { payer } : {}),
  };
}

export function parseB2cResult(body: unknown): ProviderEvent {
  const r = parse('b2c/result', result, body).Result;
  if (!r.OriginatorConversationID)
    throw new MpesaCallbackParseError('b2c/result', 'OriginatorConversationID is missing');
  let outcome: ProviderOutcome = { state: 'FAILED', reason: r.ResultDesc || `M-Pesa result code ${r.ResultCode}` };
  if (isZero(r.ResultCode)) {
    const params = toMap(r.ResultParameters?.ResultParameter);
    const receipt = stringOr(params.get('TransactionReceipt')) ?? r.TransactionID;
    if (!receipt)
      throw new MpesaCallbackParseError('b2c/result', 'success without TransactionReceipt or TransactionID');
    const amount = decimalOrUndefined(params.get('TransactionAmount'));
    outcome = { state: 'SUCCEEDED', receipt, ...(amount ? { amount } : {}) };
  }
  return {
    type: 'PAYOUT_RESULT',
    reference: r.OriginatorConversationID,
    providerRef: r.ConversationID ?? null,
    outcome,
  };
}

/**
 * UNKNOWN, not FAILED: a queue timeout says Daraja gave up waiting, not that no money moved. B2C is not idempotent
 * at Safaricom, so a FAILED here would invite a second payout that could pay the seller twice. UNKNOWN leaves the
 * payout to reconciliation (queryPayout), which learns the truth from the Transaction Status API.
 */
export function parseB2cTimeout(body: unknown): ProviderEvent {
  const r = parse('b2c/timeout', result, body).Result;
  if (!r.OriginatorConversationID)
    throw new MpesaCallbackParseError('b2c/timeout', 'OriginatorConversationID is missing');
  return {
    type: 'PAYOUT_RESULT',
    reference: r.OriginatorConversationID,
    providerRef: r.ConversationID ?? null,
    outcome: { state: 'UNKNOWN' },
  };
}

const FINAL_FAILURES = new Set(['failed', 'declined', 'cancelled', 'expired', 'reversed']);

/**
 * The answer to a Transaction Status query about one of our payouts. The payout's reference is read from the
 * "Originator Conversation ID" parameter, else from Occasion, which MpesaProvider.queryPayout sets to it.
 * A non-zero ResultCode means the query failed (e.g. no such transaction yet), not the payout: UNKNOWN.
 */
export function parseStatusResult(body: unknown): ProviderEvent {
  const r = parse('status/result', result, body).Result;
  const params = toMap(r.ResultParameters?.ResultParameter);
  const reference =
    stringOr(params.get('Originator Conversation ID')) ??
    stringOr(toMap(r.ReferenceData?.ReferenceItem).get('Occasion'));
  if (!reference)
    throw new MpesaCallbackParseError('status/result', 'no Originator Conversation ID nor Occasion to name the payout');
  const providerRef = stringOr(params.get('Conversation ID')) ?? null;
  return { type: 'PAYOUT_RESULT', reference, providerRef, outcome: statusOutcome(r, params) };
}

function statusOutcome(r: DarajaResult, params: Map<string, unknown>): ProviderOutcome {
  if (!isZero(r.ResultCode)) return { state: 'UNKNOWN' };
  const status = (stringOr(params.get('TransactionStatus')) ?? '').toLowerCase();
  if (status === 'completed') {
    const receipt = stringOr(params.get('ReceiptNo')) ?? r.TransactionID;
    if (!receipt) throw new MpesaCallbackParseError('status/result', 'completed without ReceiptNo');
    const amount = decimalOrUndefined(params.get('Amount'));
    return { state: 'SUCCEEDED', receipt, ...(amount ? { amount } : {}) };
  }
  if (FINAL_FAILURES.has(status))
    return { state: 'FAILED', reason: stringOr(params.get('ReasonType')) ?? `M-Pesa status ${status}` };
  return { state: 'PENDING' };
}

function parse<T>(kind: MpesaCallbackKind, schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new MpesaCallbackParseError(kind, `${first.path.join('.') || '(body)'}: ${first.message}`);
  }
  return parsed.data;
}

const isZero = (code: number | string) => String(code).trim() === '0';
const toMap = (kv: { Key: string; Value?: unknown }[] | undefined) => new Map((kv ?? []).map((p) => [p.Key, p.Value]));
const stringOr = (v: unknown) =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined;

/** Daraja's PhoneNumber (254712345678, a JSON number) in E.164; anything else is left out, not guessed. */
function phoneOrUndefined(v: unknown): string | undefined {
  if ((typeof v !== 'number' && typeof v !== 'string') || !/^\+?\d{9,15}$/.test(String(v).trim())) return undefined;
  try {
    return normalizePhone(`+${String(v).trim().replace(/^\+/, '')}`);
  } catch {
    return undefined;
  }
}

/** JSON numbers from Daraja (1.00 arrives as 1) become "1.00"; anything unparseable is left out, not guessed. */
function decimalOrUndefined(v: unknown): string | undefined {
  if (typeof v !== 'number' && typeof v !== 'string') return undefined;
  try {
    const d = new Decimal(v);
    return d.isFinite() && d.gte(0) ? d.toFixed(2) : undefined;
  } catch {
    return undefined;
  }
}
