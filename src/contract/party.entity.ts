import { Entity, Enum, Index, ManyToOne, Property, Unique } from '@mikro-orm/core';
import { IdEntity } from '../common/base.entity';
import { PartyRole } from './contract.enums';
import type { Contract } from './contract.entity';

@Entity({ tableName: 'parties' })
@Unique({ properties: ['contract', 'phoneNumber'] })
export class Party extends IdEntity {
  @ManyToOne('Contract', { deleteRule: 'cascade' })
  contract!: Contract;

  /** E.164. */
  @Property({ type: 'string', length: 16 })
  @Index()
  phoneNumber!: string;

  @Enum({ items: () => PartyRole })
  role!: PartyRole;

  @Property({ type: 'string', length: 80, nullable: true })
  name?: string | null;

  @Property({ type: 'datetime', nullable: true })
  acceptedAt?: Date | null;
}
