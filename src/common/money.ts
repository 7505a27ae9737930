import Decimal from 'decimal.js';
import { badInput } from './errors';

/** Amounts travel as decimal strings; arithmetic goes through decimal.js, never a JS number. */
export const MAX_AMOUNT = new Decimal('9999999999999.99'); // numeric(15,2)

export function parseAmount(input: string, field = 'amount'): string {
  let d: Decimal;
  try {
    if (!/^\s*\d+(\.\d+)?\s*$/.test(input)) throw new Error('shape');
    d = new Decimal(input.trim());
  } catch {
    throw badInput(`${field} must be a decimal number such as "12000.50"`, { field });
  }
  if (d.lte(0)) throw badInput(`${field} must be greater than 0`, { field });
  if (d.decimalPlaces() > 2) throw badInput(`${field} may have at most two decimals`, { field });
  if (d.gt(MAX_AMOUNT)) throw badInput(`${field} is too large`, { field });
  return d.toFixed(2);
}

/** "12000.5" -> "12,000.50" for screens and SMS. */
export function formatAmount(amount: string, decimals: 0 | 2 = 2): string {
  const fixed = new Decimal(amount).toFixed(decimals);
  const [whole, frac] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac ? `${grouped}.${frac}` : grouped;
}

export function isWholeAmount(amount: string): boolean {
  return new Decimal(amount).isInteger();
}

/** "KES 12,000" for whole amounts, "KES 12,000.50" otherwise: the one rule for screens and SMS. */
export function formatMoney(currency: string, amount: string): string {
  return `${currency} ${formatAmount(amount, isWholeAmount(amount) ? 0 : 2)}`;
}

export { Decimal };
