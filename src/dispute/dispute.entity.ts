import { Entity, Enum, Index, ManyToOne, Property, OptionalProps, Unique } from '@mikro-orm/core';
import { BaseEntity } from '../common/base.entity';
import type { Contract } from '../contract/contract.entity';

export enum DisputeReason {
  NOT_DELIVERED = 'NOT_DELIVERED',
  POOR_QUALITY = 'POOR_QUALITY',
  WRONG_QUANTITY = 'WRONG_QUANTITY',
  PAYMENT_PROBLEM = 'PAYMENT_PROBLEM',
  OTHER = 'OTHER',
}

export enum DisputeStatus {
  OPEN = 'OPEN',
  RESOLVED = 'RESOLVED',
}

export enum DisputeOutcome {
  RELEASE_TO_SELLER = 'RELEASE_TO_SELLER',
  REFUND_TO_BUYER = 'REFUND_TO_BUYER',
}

@Entity({ tableName: 'disputes' })
@Unique({
  name: 'disputes_one_open_per_contract',
  expression: `create unique index "disputes_one_open_per_contract" on "disputes" ("contract_id") where "status" = 'OPEN'`,
})
export class Dispute extends BaseEntity {
  [OptionalProps]?: 'status' | 'createdAt';

  @ManyToOne('Contract', { deleteRule: 'cascade', index: true })
  contract!: Contract;

  @Enum({ items: () => DisputeReason })
  reason!: DisputeReason;

  @Property({ type: 'string', length: 280, nullable: true })
  note?: string | null;

  @Enum({ items: () => DisputeStatus, default: DisputeStatus.OPEN })
  @Index()
  status: DisputeStatus = DisputeStatus.OPEN;

  @Property({ type: 'string', length: 16 })
  raisedBy!: string;

  @Enum({ items: () => DisputeOutcome, nullable: true })
  outcome?: DisputeOutcome | null;

  @Property({ type: 'string', length: 280, nullable: true })
  resolution?: string | null;

  @Property({ type: 'string', length: 64, nullable: true })
  resolvedBy?: string | null;

  @Property({ type: 'datetime', nullable: true })
  resolvedAt?: Date | null;
}
