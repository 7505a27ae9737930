import { Entity, Enum, Index, ManyToOne, Property, OptionalProps, Unique } from '@mikro-orm/core';
import { BaseEntity } from '../common/base.entity';
import type { Contract } from '../contract/contract.entity';

export enum PaymentStatus {
  PENDING = 'PENDING',
  LOCKED = 'LOCKED',
  RELEASED = 'RELEASED',
  REFUNDED = 'REFUNDED',
  FAILED = 'FAILED',
}

/**
 * The escrow of a contract: PENDING while the buyer's deposit is collected, LOCKED while held,
 * RELEASED to the seller or REFUNDED to the buyer. A failed deposit is FAILED and a new one may start.
 */
@Entity({ tableName: 'payments' })
@Unique({
  name: 'payments_one_open_per_contract',
  expression: `create unique index "payments_one_open_per_contract" on "payments" ("contract_id") where "status" in ('PENDING', 'LOCKED')`,
})
export class Payment extends BaseEntity {
  [OptionalProps]?: 'status' | 'createdAt' | 'updatedAt';

  @ManyToOne('Contract', { deleteRule: 'cascade', index: true })
  contract!: Contract;

  @Property({ type: 'decimal', precision: 15, scale: 2 })
  amount!: string;

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
