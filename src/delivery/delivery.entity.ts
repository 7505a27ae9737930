import { Entity, Enum, ManyToOne, Property, OptionalProps } from '@mikro-orm/core';
import { BaseEntity } from '../common/base.entity';
import type { Contract } from '../contract/contract.entity';
import { PartyRole } from '../contract/contract.enums';

export enum DeliveryKind {
  FULL = 'FULL',
  PARTIAL = 'PARTIAL',
}

@Entity({ tableName: 'deliveries' })
export class Delivery extends BaseEntity {
  [OptionalProps]?: 'createdAt';

  @ManyToOne('Contract', { deleteRule: 'cascade', index: true })
  contract!: Contract;

  @Enum({ items: () => DeliveryKind })
  kind!: DeliveryKind;

  @Property({ type: 'decimal', precision: 15, scale: 3, nullable: true })
  quantity?: string | null;

  @Property({ type: 'string', length: 280, nullable: true })
  note?: string | null;

  @Property({ type: 'string', length: 16 })
  reportedBy!: string;

  @Enum({ items: () => PartyRole })
  reporterRole!: PartyRole;

  /** Set when the buyer confirms a full delivery, or the release window accepts it. */
  @Property({ type: 'datetime', nullable: true })
  acceptedAt?: Date | null;

  @Property({ type: 'string', length: 64, nullable: true })
  acceptedBy?: string | null;
}
