import { Decimal } from '../common/money';
import type { Contract } from '../contract/contract.entity';
import { ContractStatus } from '../contract/contract.enums';
import { PaymentKind } from '../payment/payment.entity';
import { accountOf, collectedDeposit, type Movement } from './accounts';
import { depositAmountOf } from './escrow.ledger';

/**
 * The buyer's deposit in parts (issue 11): one M-Pesa transaction moves at most MPESA_MAX_TRANSACTION_KES, so a
 * larger deposit is collected as several, one STK prompt each, one after the other.
 *
 * The rule is the payouts' (splitForProvider in escrow.ledger.ts): fill each part to the limit, the remainder last. It is applied to
 * what is still to collect, so it needs no stored plan: the next part is always min(limit, what is left), which
 * stays right after a failed part, and after a change of the limit between two parts (each part is within the
 * limit of the day it is asked for). 600,000 at 250,000: 250,000 + 250,000 + 100,000.
 */
export interface DepositPlan {
  /** The next part to collect: min(limit, what is left); null once the deposit is all in (or not payable). */
  next: Decimal | null;
  /** Parts collected so far (a deposit row counts once collected, as in accountOf). */
  paid: number;
  /** paid + the parts still to collect: how many M-Pesa transactions the whole deposit takes. */
  parts: number;
  /** What the deposit still lacks, whatever the contract's state (0 once all of it is in). */
  left: Decimal;
}

/** Contracts whose deposit may still be asked for: the remaining parts count only for them. */
const PAYABLE = new Set([ContractStatus.PENDING, ContractStatus.CONFIRMED]);

export function depositPlan(
  contract: Pick<Contract, 'totalAmount' | 'feeAmount' | 'feePayer' | 'status'>,
  rows: readonly Movement[],
  maxPerTransaction: number,
): DepositPlan {
  const paid = rows.filter((m) => m.kind === PaymentKind.DEPOSIT && collectedDeposit(m)).length;
  const left = Decimal.max(new Decimal(depositAmountOf(contract)).sub(accountOf(rows).deposited), 0);
  if (!PAYABLE.has(contract.status) || left.lte(0)) return { next: null, paid, parts: paid, left };
  // Counted, never listed: a contract may be worth any amount, and a list of its parts would be as long.
  const toCollect = left.div(maxPerTransaction).ceil().toNumber();
  return { next: Decimal.min(left, maxPerTransaction), paid, parts: paid + toCollect, left };
}
