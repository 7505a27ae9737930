import { Entity, Index, Property, OptionalProps } from '@mikro-orm/core';
import { LogEntity } from '../common/base.entity';

/** Append-only: written in the same transaction as the change it records, never updated. */
@Entity({ tableName: 'audit_events' })
export class AuditEvent extends LogEntity {
  [OptionalProps]?: 'details' | 'createdAt';

  @Property({ type: 'uuid', nullable: true })
  @Index()
  contractId?: string | null;

  /** contract, payment, dispute, delivery, party */
  @Property({ type: 'string', length: 20 })
  subject!: string;

  @Property({ type: 'uuid', nullable: true })
  subjectId?: string | null;

  /** A masked-on-display actor: 'admin', 'partner:<id>', 'system:<job>' or an E.164 phone. */
  @Property({ type: 'string', length: 64 })
  actor!: string;

  @Property({ type: 'string', length: 40 })
  action!: string;

  @Property({ type: 'string', length: 20, nullable: true })
  fromState?: string | null;

  @Property({ type: 'string', length: 20, nullable: true })
  toState?: string | null;

  @Property({ type: 'json', default: '{}' })
  details: Record<string, unknown> = {};
}
