import { Collection, Entity, Enum, Index, OneToMany, Property, OptionalProps } from '@mikro-orm/core';
import { BaseEntity } from '../common/base.entity';
import { ContractStatus } from './contract.enums';
import { Party } from './party.entity';
import { Delivery } from '../delivery/delivery.entity';
import { Payment } from '../payment/payment.entity';
import { Dispute } from '../dispute/dispute.entity';

@Entity({ tableName: 'contracts' })
@Index({ properties: ['createdAt'] })
export class Contract extends BaseEntity {
  [OptionalProps]?: 'status' | 'currency' | 'terms' | 'createdAt' | 'updatedAt';

  @Property({ type: 'string', length: 12, unique: true })
  code!: string;

  @Property({ type: 'string', length: 60 })
  product!: string;

  /** numeric: quantities such as 2.5 tonnes are common; kept as a string like amounts. */
  @Property({ type: 'decimal', precision: 15, scale: 3 })
  quantity!: string;

  @Property({ type: 'string', length: 20 })
  unit!: string;

  @Property({ type: 'decimal', precision: 15, scale: 2 })
  totalAmount!: string;

  @Property({ type: 'string', length: 3, default: 'KES' })
  currency: string = 'KES';

  @Property({ type: 'string', length: 120, nullable: true })
  deliveryLocation?: string | null;

  @Property({ type: 'datetime', nullable: true })
  deliveryDeadline?: Date | null;

  @Property({ type: 'json', default: '{}' })
  terms: Record<string, unknown> = {};

  @Enum({ items: () => ContractStatus, default: ContractStatus.PENDING })
  @Index()
  status: ContractStatus = ContractStatus.PENDING;

  /** Who created it: 'admin', 'partner:<id>' or a phone number. Partners see what they created. */
  @Property({ type: 'string', length: 64 })
  @Index()
  createdBy!: string;

  @OneToMany(() => Party, (p) => p.contract, { orphanRemoval: true })
  parties = new Collection<Party>(this);

  @OneToMany(() => Delivery, (d) => d.contract)
  deliveries = new Collection<Delivery>(this);

  @OneToMany(() => Payment, (p) => p.contract)
  payments = new Collection<Payment>(this);

  @OneToMany(() => Dispute, (d) => d.contract)
  disputes = new Collection<Dispute>(this);

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
