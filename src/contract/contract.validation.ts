import { z } from 'zod';
import { badInput } from '../common/errors';
import { Decimal, parseAmount } from '../common/money';
import { normalizePhone, paymentPhoneProblem } from '../common/phone';
import { hasControlCharacters } from '../common/text';
import { PartyRole } from './contract.enums';

const plain = (s: z.ZodString) => s.refine((v) => !hasControlCharacters(v), 'must not contain control characters');

/** Everything that creates a contract (GraphQL, partners, demo seed) passes through here. */
const party = z.object({
  phoneNumber: z.string().min(1, 'is required').max(32),
  role: z.enum(PartyRole),
  name: plain(z.string().trim().max(80, 'must be at most 80 characters')).nullish(),
});

const contractInput = z.object({
  product: plain(z.string().trim().min(1, 'must not be empty').max(60, 'must be at most 60 characters')),
  quantity: z.string().regex(/^\d{1,12}(\.\d{1,3})?$/, 'must be a positive number with at most 3 decimals'),
  unit: plain(z.string().trim().min(1, 'must not be empty').max(20, 'must be at most 20 characters')),
  totalAmount: z.string().max(20),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter ISO code such as KES')
    .default('KES'),
  deliveryLocation: plain(z.string().trim().max(120, 'must be at most 120 characters')).nullish(),
  deliveryDeadline: z.date().nullish(),
  terms: z.record(z.string(), z.unknown()).nullish(),
  parties: z.array(party).min(2, 'needs at least a buyer and a seller').max(10, 'at most 10 parties'),
  feePayer: z.enum(['BUYER', 'SELLER', 'SPLIT']).nullish(),
});

export type CreateContractData = z.input<typeof contractInput>;
export type ValidContract = Omit<z.output<typeof contractInput>, 'parties'> & {
  parties: Array<{ phoneNumber: string; role: PartyRole; name: string | null }>;
};

/** Why a buyer's or seller's number cannot take part, in words an API client and a support agent read. */
export const PAYMENT_PHONE_MESSAGE = {
  NOT_MOBILE: 'must be a mobile number (M-Pesa cannot charge or pay a landline)',
  COUNTRY: 'must be a mobile number of a country the payment provider serves',
} as const;

export function validateContract(
  input: CreateContractData,
  now: Date,
  defaultCountry: string,
  paymentCountries: readonly string[] = [defaultCountry],
): ValidContract {
  const parsed = contractInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.');
    throw badInput(`${field} ${issue.message}`, { field });
  }
  const v = parsed.data;
  const totalAmount = parseAmount(v.totalAmount, 'totalAmount');
  if (new Decimal(v.quantity).lte(0)) throw badInput('quantity must be greater than 0', { field: 'quantity' });
  if (v.deliveryDeadline && v.deliveryDeadline.getTime() <= now.getTime())
    throw badInput('deliveryDeadline must be in the future', { field: 'deliveryDeadline' });
  if (v.terms && JSON.stringify(v.terms).length > 4000)
    throw badInput('terms are too large (4000 characters at most)', { field: 'terms' });

  const parties = v.parties.map((p, i) => {
    try {
      return { phoneNumber: normalizePhone(p.phoneNumber, defaultCountry), role: p.role, name: p.name || null };
    } catch (err) {
      throw badInput(`parties.${i}.phoneNumber: ${(err as Error).message}`, { field: `parties.${i}.phoneNumber` });
    }
  });
  parties.forEach((p, i) => {
    if (p.role !== PartyRole.BUYER && p.role !== PartyRole.SELLER) return;
    const problem = paymentPhoneProblem(p.phoneNumber, paymentCountries);
    if (problem)
      throw badInput(
        `parties.${i}.phoneNumber: the ${p.role.toLowerCase()}'s number ${PAYMENT_PHONE_MESSAGE[problem]} (${paymentCountries.join(', ')})`,
        { field: `parties.${i}.phoneNumber`, reason: problem },
      );
  });
  for (const role of [PartyRole.BUYER, PartyRole.SELLER]) {
    const n = parties.filter((p) => p.role === role).length;
    if (n !== 1) throw badInput(`A contract needs exactly one ${role.toLowerCase()} (got ${n})`, { field: 'parties' });
  }
  if (new Set(parties.map((p) => p.phoneNumber)).size !== parties.length)
    throw badInput('A phone number may appear only once among the parties', { field: 'parties' });

  return { ...v, totalAmount, currency: v.currency.toUpperCase(), parties };
}
