import { Decimal } from '../common/money';
import { owedFor } from './lots';

export type FeePayer = 'BUYER' | 'SELLER' | 'SPLIT';
export const FEE_PAYERS: readonly FeePayer[] = ['BUYER', 'SELLER', 'SPLIT'];

export interface FeeRule {
  percent: number;
  minKes: number;
  /** 0: no maximum. */
  maxKes: number;
}

/**
 * The fee of a deal, fixed at creation: total x percent / 100 rounded to the nearest whole shilling (halves up),
 * then raised to the minimum and lowered to the maximum, never above the total. 0 when the percent is 0 (off).
 */
export function feeFor(total: Decimal.Value, rule: FeeRule): Decimal {
  if (!rule.percent) return new Decimal(0);
  let fee = new Decimal(total).mul(rule.percent).div(100).toDecimalPlaces(0, Decimal.ROUND_HALF_UP);
  fee = Decimal.max(fee, rule.minKes);
  if (rule.maxKes > 0) fee = Decimal.min(fee, rule.maxKes);
  return Decimal.min(fee, total);
}

/** Who pays what: SPLIT gives the seller the lower half in whole shillings and the buyer the rest. */
export function feeShares(fee: Decimal.Value, payer: FeePayer): { buyer: Decimal; seller: Decimal } {
  const f = new Decimal(fee);
  if (payer === 'BUYER') return { buyer: f, seller: new Decimal(0) };
  if (payer === 'SELLER') return { buyer: new Decimal(0), seller: f };
  const seller = f.div(2).toDecimalPlaces(0, Decimal.ROUND_DOWN);
  return { buyer: f.sub(seller), seller };
}

/**
 * The fee is earned on what is released to the seller, in proportion to it, with the rounding rule of the lots
 * (src/escrow/lots.ts): floor(share x released / total) so far, the whole share once all of the total is released.
 * What is refunded carries no fee: the buyer's unspent share goes back with it. Returns what a release of `gross`
 * (after `grossBefore` already released) earns of each share.
 */
export function feeOnRelease(
  total: string,
  shares: { buyer: Decimal; seller: Decimal },
  grossBefore: Decimal.Value,
  gross: Decimal.Value,
): { buyer: Decimal; seller: Decimal } {
  const after = new Decimal(grossBefore).add(gross);
  const part = (share: Decimal) =>
    owedFor(share.toFixed(2), total, after).sub(owedFor(share.toFixed(2), total, grossBefore));
  return { buyer: part(shares.buyer), seller: part(shares.seller) };
}
