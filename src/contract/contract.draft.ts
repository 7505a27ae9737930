import type { Config } from '../config';
import { Decimal } from '../common/money';
import { paymentPhoneProblem, tryNormalizePhone } from '../common/phone';

/**
 * One answer of a contract being put together a question at a time (the USSD New Contract flow), checked
 * on the spot with the rules createContract applies, so a wrong answer is re-asked at once with a reason.
 */
export type DraftField = 'COUNTERPARTY' | 'PRODUCT' | 'QUANTITY' | 'UNIT' | 'TOTAL_AMOUNT' | 'DELIVERY_DAYS';

/** A stable reason code: each transport words it in the caller's language. */
export type DraftProblem =
  | 'INVALID_PHONE'
  | 'NOT_MOBILE'
  | 'COUNTRY'
  | 'OWN_NUMBER'
  | 'BAD_NAME'
  | 'BAD_NUMBER'
  | 'TOO_SMALL'
  | 'TOO_LARGE'
  | 'NOT_WHOLE';

export interface DraftCheck {
  ok: boolean;
  /** The answer as the contract will hold it (E.164, a trimmed name, an ISO deadline). */
  value: string | null;
  problem: DraftProblem | null;
  message: string | null;
}

export const MAX_QUANTITY = new Decimal(1_000_000);
export const MAX_DELIVERY_DAYS = 90;
const NAME = /^[A-Za-z0-9 ]{1,30}$/;

const ok = (value: string): DraftCheck => ({ ok: true, value, problem: null, message: null });
const bad = (problem: DraftProblem, message: string): DraftCheck => ({ ok: false, value: null, problem, message });

export function checkDraftField(field: DraftField, raw: string, self: string | null, config: Config, now: Date) {
  const input = (raw ?? '').trim();
  switch (field) {
    case 'COUNTERPARTY': {
      const phone = tryNormalizePhone(input, config.DEFAULT_COUNTRY);
      if (!phone) return bad('INVALID_PHONE', 'not a phone number');
      if (phone === self) return bad('OWN_NUMBER', 'that is your own number');
      const problem = paymentPhoneProblem(phone, config.PAYMENT_COUNTRIES);
      if (problem === 'NOT_MOBILE') return bad('NOT_MOBILE', 'must be a mobile number (M-Pesa)');
      if (problem) return bad('COUNTRY', `must be a mobile number of ${config.PAYMENT_COUNTRIES.join(', ')}`);
      return ok(phone);
    }
    case 'PRODUCT':
    case 'UNIT': {
      const name = input.replace(/\s+/g, ' ');
      if (!NAME.test(name)) return bad('BAD_NAME', 'letters, digits and spaces, at most 30');
      return ok(name);
    }
    case 'QUANTITY': {
      if (!/^\d{1,7}(\.\d{1,3})?$/.test(input)) return bad('BAD_NUMBER', 'a number such as 20 or 2.5');
      const q = new Decimal(input);
      if (q.lte(0)) return bad('TOO_SMALL', 'must be above 0');
      if (q.gt(MAX_QUANTITY)) return bad('TOO_LARGE', `at most ${MAX_QUANTITY.toFixed()}`);
      return ok(q.toFixed());
    }
    case 'TOTAL_AMOUNT': {
      if (/^\d+\.\d*$/.test(input)) return bad('NOT_WHOLE', 'whole shillings only');
      if (!/^\d{1,9}$/.test(input)) return bad('BAD_NUMBER', 'a whole number such as 3500');
      return amountInLimits(input, config) ?? ok(String(Number(input)));
    }
    case 'DELIVERY_DAYS': {
      if (!/^\d{1,3}$/.test(input)) return bad('BAD_NUMBER', 'a number of days');
      const days = Number(input);
      if (days < 1) return bad('TOO_SMALL', 'at least 1 day');
      if (days > MAX_DELIVERY_DAYS) return bad('TOO_LARGE', `at most ${MAX_DELIVERY_DAYS} days`);
      return ok(new Date(now.getTime() + days * 86_400_000).toISOString());
    }
  }
}

/** The configured limits of a contract's total (whole units), or null when it is within them. */
export function amountInLimits(amount: string, config: Config): DraftCheck | null {
  const a = new Decimal(amount);
  if (a.lt(config.CONTRACT_MIN_AMOUNT)) return bad('TOO_SMALL', `at least ${config.CONTRACT_MIN_AMOUNT}`);
  if (a.gt(config.CONTRACT_MAX_AMOUNT)) return bad('TOO_LARGE', `at most ${config.CONTRACT_MAX_AMOUNT}`);
  return null;
}
