import { Decimal } from '../common/money';
import { PaymentKind, PaymentStatus } from '../payment/payment.entity';

export interface Movement {
  kind: PaymentKind;
  status: PaymentStatus;
  amount: string;
  /** RELEASE: the part of the total it pays for (amount less the seller's fee share). */
  grossAmount?: string | null;
}

/** A contract's escrow in figures. Always: deposited = released + refunded + fees + held. */
export interface EscrowAccount {
  deposited: Decimal;
  /** Paid to the seller (settled by the provider). */
  released: Decimal;
  /** Paid back to the buyer (settled by the provider). */
  refunded: Decimal;
  fees: Decimal;
  /** Still in escrow: includes payouts decided and on their way (payingOut), not yet settled. */
  held: Decimal;
  /** Decided releases and refunds not settled yet: part of held, no longer free to decide on. */
  payingOut: Decimal;
  /** held - payingOut: what a new decision (a lot, a refund, a split) may still move. */
  available: Decimal;
  /** How much of the contract's total releases decided so far pay for (failed ones excluded). */
  grossReleased: Decimal;
}

const DEPOSITED = new Set([
  PaymentStatus.LOCKED,
  PaymentStatus.SETTLED,
  PaymentStatus.RELEASED,
  PaymentStatus.REFUNDED,
]);

/** A deposit row that holds (or held) money: collected, not PENDING or FAILED. */
export const collectedDeposit = (m: Pick<Movement, 'status'>): boolean => DEPOSITED.has(m.status);

/**
 * Sums the movements. A deposit row counts once collected (LOCKED, and SETTLED once emptied). Rows written before
 * issue 11 carried the deposit and its payout in one row (DEPOSIT, RELEASED or REFUNDED): counted on both sides.
 */
export function accountOf(rows: readonly Movement[]): EscrowAccount {
  const sum = (pick: (m: Movement) => boolean) =>
    rows.filter(pick).reduce((acc, m) => acc.add(m.amount), new Decimal(0));
  const deposited = sum((m) => m.kind === PaymentKind.DEPOSIT && collectedDeposit(m));
  const released = sum((m) => m.status === PaymentStatus.RELEASED && m.kind !== PaymentKind.FEE);
  const refunded = sum((m) => m.status === PaymentStatus.REFUNDED);
  const fees = sum((m) => m.kind === PaymentKind.FEE && m.status === PaymentStatus.RELEASED);
  const payingOut = sum(
    (m) => (m.kind === PaymentKind.RELEASE || m.kind === PaymentKind.REFUND) && m.status === PaymentStatus.LOCKED,
  );
  const held = deposited.sub(released).sub(refunded).sub(fees);
  const grossReleased = rows
    .filter(
      (m) =>
        (m.kind === PaymentKind.RELEASE && m.status !== PaymentStatus.FAILED) ||
        (m.kind === PaymentKind.DEPOSIT && m.status === PaymentStatus.RELEASED),
    )
    .reduce((acc, m) => acc.add(m.grossAmount ?? m.amount), new Decimal(0));
  return { deposited, released, refunded, fees, held, payingOut, available: held.sub(payingOut), grossReleased };
}
