import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { PartyRole } from './contract.enums';
import type { Contract } from './contract.entity';

@Entity({ tableName: 'parties' })
@Unique({ properties: ['contract', 'phoneNumber'] })
export class Party {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

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
