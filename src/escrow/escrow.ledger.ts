import type { EntityManager } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { Decimal } from '../common/money';
import type { Contract } from '../contract/contract.entity';
import { enqueue, QUEUES } from '../outbox/outbox';
import { Delivery } from '../delivery/delivery.entity';
import { Payment, PaymentKind, PaymentStatus } from '../payment/payment.entity';
import { accountOf, type EscrowAccount } from './accounts';
import { feeOnRelease, feeShares } from './fees';

/** The payments job that carries out a decided payout (same name as PAYMENT_JOBS.payout, kept here to avoid a cycle). */
const PAYOUT_JOB = 'payout';

export async function movementsOf(em: EntityManager, contract: Contract | string): Promise<Payment[]> {
  return em.find(Payment, { contract }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

/** The account of a contract, read inside the caller's transaction (which holds the contract's row lock). */
export async function accountIn(em: EntityManager, contract: Contract): Promise<EscrowAccount> {
  return accountOf(await movementsOf(em, contract));
}

/** What the buyer accepted so far, in units of the contract. */
export async function acceptedQuantityOf(em: EntityManager, contract: Contract | string): Promise<Decimal> {
  return acceptedQuantityIn(
    await em.find(Delivery, { contract, acceptedAt: { $ne: null } }, { fields: ['acceptedAt', 'acceptedQuantity'] }),
  );
}

/** The same sum over a contract's deliveries already read (the API's batched rows). */
export function acceptedQuantityIn(
  rows: ReadonlyArray<{ acceptedAt?: Date | null; acceptedQuantity?: string | null }>,
): Decimal {
  return rows.filter((r) => r.acceptedAt).reduce((sum, r) => sum.add(r.acceptedQuantity ?? 0), new Decimal(0));
}

export interface PayoutDecision {
  kind: 'RELEASE' | 'REFUND';
  /** A REFUND: what goes back. A RELEASE: the part of the contract's total it pays for; the fee comes out of it. */
  amount: Decimal;
  /** The accepted lot a release pays for. */
  deliveryId?: string | null;
}

/**
 * Decides one movement out of escrow, inside the caller's transaction (the contract is locked): a payment row of its
 * own (LOCKED, payoutKind set) and its payout job in the outbox, deterministic id `payout-<row id>`. From there the
 * payout service's in-doubt protocol carries it out exactly once. Returns null when there is nothing to move.
 */
export async function decidePayout(
  em: EntityManager,
  actor: Actor,
  contract: Contract,
  decision: PayoutDecision,
  now: Date,
  /** M-Pesa's per-transaction limit (MPESA_MAX_TRANSACTION_KES); 0: none. */
  maxPerTransaction = 0,
): Promise<Payment | null> {
  const gross = new Decimal(decision.amount);
  if (gross.lte(0)) return null;
  const rows = await movementsOf(em, contract);
  const account = accountOf(rows);
  const release = decision.kind === 'RELEASE';
  if (release && gross.gt(new Decimal(contract.totalAmount).sub(account.grossReleased)))
    throw new Error(`release of ${gross.toFixed(2)} exceeds what is left of the total`);
  const fee = release
    ? feeOnRelease(
        contract.totalAmount,
        feeShares(contract.feeAmount ?? 0, contract.feePayer ?? 'BUYER'),
        account.grossReleased,
        gross,
      )
    : { buyer: new Decimal(0), seller: new Decimal(0) };
  const amount = gross.sub(fee.seller);
  if (amount.add(fee.buyer).add(fee.seller).gt(account.available))
    throw new Error(`payout of ${amount.toFixed(2)} exceeds the ${account.available.toFixed(2)} available`);
  const deposit = [...rows].reverse().find((r) => r.kind === PaymentKind.DEPOSIT && r.status === PaymentStatus.LOCKED);
  if (!deposit) throw new Error(`contract ${contract.code} holds no collected deposit`);
  // A fee share as large as the lot leaves nothing to send: the release is recorded, settled at once, never sent.
  const nothingToSend = amount.lte(0);
  const feeTaken = fee.buyer.add(fee.seller);
  if (feeTaken.gt(0)) {
    // The ledger row of the fee: earned with the release it comes with, kept in our own account (no M-Pesa move).
    const feeRow = em.create(Payment, {
      contract,
      kind: PaymentKind.FEE,
      amount: feeTaken.toFixed(2),
      currency: deposit.currency,
      status: PaymentStatus.RELEASED,
      payer: deposit.payer,
      payee: 'VOICEPACT',
      provider: deposit.provider,
      settledAt: now,
      createdAt: now,
      updatedAt: now,
    });
    em.persist(feeRow);
    audit(em, now, actor, {
      contractId: contract.id,
      subject: 'payment',
      subjectId: feeRow.id,
      action: 'fee-charged',
      details: { buyer: fee.buyer.toFixed(2), seller: fee.seller.toFixed(2) },
    });
  }
  // Above M-Pesa's per-transaction limit a payout goes out in parts, each a row with its own job (each exactly once);
  // the seller's fee share is counted in the first part's gross, so the parts' gross adds up to the decision's.
  const parts = nothingToSend ? [amount] : splitForProvider(amount, maxPerTransaction);
  let first: Payment | null = null;
  for (const [i, part] of parts.entries()) {
    const payment = em.create(Payment, {
      contract,
      kind: release ? PaymentKind.RELEASE : PaymentKind.REFUND,
      amount: part.toFixed(2),
      grossAmount: release ? (i === 0 ? part.add(fee.seller) : part).toFixed(2) : null,
      currency: deposit.currency,
      status: nothingToSend ? PaymentStatus.RELEASED : PaymentStatus.LOCKED,
      payer: deposit.payer,
      payee: deposit.payee,
      provider: deposit.provider,
      payoutKind: decision.kind,
      settledAt: nothingToSend ? now : null,
      deliveryId: decision.deliveryId ?? null,
      createdAt: now,
      updatedAt: now,
    });
    payment.payoutRef = `VP${payment.id.replace(/-/g, '').slice(0, 18).toUpperCase()}`;
    em.persist(payment);
    first ??= payment;
    audit(em, now, actor, {
      contractId: contract.id,
      subject: 'payment',
      subjectId: payment.id,
      action: `${decision.kind.toLowerCase()}-requested`,
      details: {
        amount: payment.amount,
        ...(parts.length > 1 ? { part: i + 1, of: parts.length } : {}),
        ...(decision.deliveryId ? { deliveryId: decision.deliveryId } : {}),
      },
    });
    if (nothingToSend) continue;
    enqueue(em, now, {
      queue: QUEUES.payments,
      name: PAYOUT_JOB,
      jobId: `payout-${payment.id}`,
      data: { paymentId: payment.id },
    });
  }
  return first;
}

/** Parts of at most `max` (the last one the remainder); one part when max is 0 (no limit). */
export function splitForProvider(amount: Decimal.Value, max: number): Decimal[] {
  const a = new Decimal(amount);
  if (!max || a.lte(max)) return [a];
  const parts: Decimal[] = [];
  let left = a;
  while (left.gt(max)) {
    parts.push(new Decimal(max));
    left = left.sub(max);
  }
  if (left.gt(0)) parts.push(left);
  return parts;
}

/** What is left of the contract's total to release (a RELEASE decision's largest amount). */
export function grossLeft(contract: Pick<Contract, 'totalAmount'>, account: EscrowAccount): Decimal {
  return Decimal.max(new Decimal(contract.totalAmount).sub(account.grossReleased), 0);
}

/** What the buyer pays into escrow: the total, and the buyer's share of the fee. */
export function depositAmountOf(contract: Pick<Contract, 'totalAmount' | 'feeAmount' | 'feePayer'>): string {
  const { buyer } = feeShares(contract.feeAmount ?? 0, contract.feePayer ?? 'BUYER');
  return new Decimal(contract.totalAmount).add(buyer).toFixed(2);
}

/** Once every shilling has moved on, the deposit rows say so (SETTLED); called after a payout settled. */
export async function settleDepositsIfEmpty(em: EntityManager, contract: Contract, now: Date): Promise<void> {
  const rows = await movementsOf(em, contract);
  const account = accountOf(rows);
  if (!account.held.isZero()) return;
  for (const r of rows)
    if (r.kind === PaymentKind.DEPOSIT && r.status === PaymentStatus.LOCKED) {
      r.status = PaymentStatus.SETTLED;
      r.settledAt = now;
    }
}
