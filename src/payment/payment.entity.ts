import { Entity, Enum, Index, ManyToOne, Property, OptionalProps, Unique } from '@mikro-orm/core';
import { BaseEntity } from '../common/base.entity';
import type { Contract } from '../contract/contract.entity';

export enum PaymentStatus {
  PENDING = 'PENDING',
  LOCKED = 'LOCKED',
  RELEASED = 'RELEASED',
  REFUNDED = 'REFUNDED',
  FAILED = 'FAILED',
  /** A deposit whose money has all moved on: see the RELEASE and REFUND payments of the contract. */
  SETTLED = 'SETTLED',
}

/** One row per movement of money (issue 11): the deposit in, each release or refund out, the fee. */
export enum PaymentKind {
  DEPOSIT = 'DEPOSIT',
  RELEASE = 'RELEASE',
  REFUND = 'REFUND',
  FEE = 'FEE',
}

/**
 * A movement of a contract's escrow. A DEPOSIT is PENDING while collected, LOCKED while held, SETTLED once all of it
 * moved on; a failed deposit is FAILED and a new one may start. A RELEASE (to the seller) or REFUND (to the buyer) is
 * LOCKED from the decision until the provider settles it (RELEASED, REFUNDED) or refuses it (FAILED).
 *
 * A deposit above M-Pesa's per-transaction limit is collected in parts (src/escrow/deposit-plan.ts), a DEPOSIT row
 * each: one part PENDING at a time per contract (a phone shows one STK prompt at a time), and each part number
 * collected at most once (a failed part is paid again as a new row with the same number).
 */
@Entity({ tableName: 'payments' })
@Unique({
  name: 'payments_one_pending_deposit_per_contract',
  expression: `create unique index "payments_one_pending_deposit_per_contract" on "payments" ("contract_id") where "kind" = 'DEPOSIT' and "status" = 'PENDING'`,
})
@Unique({
  name: 'payments_deposit_part_once',
  expression: `create unique index "payments_deposit_part_once" on "payments" ("contract_id", "deposit_part") where "kind" = 'DEPOSIT' and "status" in ('PENDING', 'LOCKED')`,
})
export class Payment extends BaseEntity {
  [OptionalProps]?: 'status' | 'kind' | 'createdAt' | 'updatedAt';

  @ManyToOne('Contract', { deleteRule: 'cascade', index: true })
  contract!: Contract;

  @Enum({ items: () => PaymentKind, default: PaymentKind.DEPOSIT })
  kind: PaymentKind = PaymentKind.DEPOSIT;

  @Property({ type: 'decimal', precision: 15, scale: 2 })
  amount!: string;

  /** A RELEASE: the part of the contract's total it pays for (amount is that less the seller's fee share). */
  @Property({ type: 'decimal', precision: 15, scale: 2, nullable: true })
  grossAmount?: string | null;

  /** A DEPOSIT: which part of the buyer's deposit it collects, from 1 (1 of 1 below the per-transaction limit). */
  @Property({ type: 'smallint', nullable: true })
  depositPart?: number | null;

  /** A DEPOSIT: how many parts the whole deposit took when this part was asked for (the prompts to expect). */
  @Property({ type: 'smallint', nullable: true })
  depositParts?: number | null;

  /** The accepted lot (delivery) a RELEASE pays for. */
  @Property({ type: 'uuid', nullable: true })
  deliveryId?: string | null;

  @Property({ type: 'string', length: 3 })
  currency!: string;

  @Enum({ items: () => PaymentStatus, default: PaymentStatus.PENDING })
  @Index()
  status: PaymentStatus = PaymentStatus.PENDING;

  @Property({ type: 'string', length: 16 })
  payer!: string;

  @Property({ type: 'string', length: 16 })
  payee!: string;

  @Property({ type: 'string', length: 16 })
  provider!: string;

  /**
   * When the deposit request (STK push) was sent, committed before the call. Set with no depositRef, the request is
   * in flight or in doubt (its answer never came): it is never sent again, and its callback is matched by the
   * payer's phone and the amount.
   */
  @Property({ type: 'datetime', nullable: true })
  depositRequestedAt?: Date | null;

  /**
   * When the deposit request ended without an answer (timed out): only such a deposit takes a result that names a
   * CheckoutRequestID we never stored. A request merely in flight waits for its own reference instead.
   */
  @Property({ type: 'datetime', nullable: true })
  depositInDoubtAt?: Date | null;

  /** Provider reference of the deposit request (M-Pesa CheckoutRequestID). */
  @Property({ type: 'string', length: 100, nullable: true, unique: true })
  depositRef?: string | null;

  @Property({ type: 'string', length: 100, nullable: true })
  depositReceipt?: string | null;

  /** Provider reference of the payout or refund (our OriginatorConversationID). */
  @Property({ type: 'string', length: 100, nullable: true, unique: true })
  payoutRef?: string | null;

  /** The provider's own id for the payout (M-Pesa ConversationID). */
  @Property({ type: 'string', length: 100, nullable: true })
  payoutProviderRef?: string | null;

  @Property({ type: 'string', length: 100, nullable: true })
  payoutReceipt?: string | null;

  /** RELEASE or REFUND once an outcome is decided; the payout job carries it out. */
  @Property({ type: 'string', length: 10, nullable: true })
  payoutKind?: 'RELEASE' | 'REFUND' | null;

  @Property({ type: 'datetime', nullable: true })
  payoutRequestedAt?: Date | null;

  @Property({ type: 'string', length: 280, nullable: true })
  failureReason?: string | null;

  @Property({ type: 'datetime', nullable: true })
  lockedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  settledAt?: Date | null;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
