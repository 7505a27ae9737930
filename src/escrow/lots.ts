import { Decimal } from '../common/money';

/**
 * The arithmetic of paying for what was delivered, in one place (pure: decimal.js, no database).
 *
 * Rounding rule (also in the README): the amount owed for the quantity accepted so far is
 *   floor(total x accepted / quantity) in whole shillings,
 * and each lot releases the difference between that figure after the lot and before it. Rounding down keeps the
 * part of a shilling with the buyer until the goods are in; the lot that completes the quantity releases exactly
 * what remains (total x quantity / quantity = total), so the parts always add up to the deposit, however the lots
 * fall. No lot is more than one shilling away from its quantity x unit price.
 */
export function owedFor(total: string, quantity: string, accepted: Decimal.Value): Decimal {
  const t = new Decimal(total);
  const q = new Decimal(quantity);
  const a = Decimal.min(new Decimal(accepted), q);
  if (a.gte(q)) return t; // the whole quantity: exactly the deposit, cents and all
  return t.mul(a).div(q).toDecimalPlaces(0, Decimal.ROUND_DOWN);
}

/** What a lot of `lot` units releases when `acceptedBefore` units were already accepted. */
export function lotAmount(total: string, quantity: string, acceptedBefore: Decimal.Value, lot: Decimal.Value): Decimal {
  const before = new Decimal(acceptedBefore);
  return owedFor(total, quantity, before.add(lot)).sub(owedFor(total, quantity, before));
}

/**
 * What accepting `lot` more units releases when `acceptedBefore` were accepted and `left` of the total is not
 * released yet: the lot's worth by the rule above, and all that is left for the lot that completes the quantity.
 */
export function releaseFor(
  total: string,
  quantity: string,
  acceptedBefore: Decimal.Value,
  lot: Decimal.Value,
  left: Decimal.Value,
): Decimal {
  const complete = new Decimal(acceptedBefore).add(lot).gte(quantity);
  return complete ? new Decimal(left) : Decimal.min(lotAmount(total, quantity, acceptedBefore, lot), left);
}

/** Quantity still due: never below zero. */
export function quantityDue(quantity: string, accepted: Decimal.Value): Decimal {
  return Decimal.max(new Decimal(quantity).sub(accepted), 0);
}

/**
 * A dispute split: `release` to the seller, the rest of what is held back to the buyer. Both within what is held.
 */
export function splitHeld(held: Decimal.Value, release: Decimal.Value): { release: Decimal; refund: Decimal } {
  const h = new Decimal(held);
  const r = new Decimal(release);
  if (r.lt(0) || r.gt(h)) throw new RangeError(`release ${r.toFixed(2)} is outside 0..${h.toFixed(2)}`);
  return { release: r, refund: h.sub(r) };
}
