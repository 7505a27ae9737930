import { Entity, Property, OptionalProps, Unique } from '@mikro-orm/core';
import { LogEntity } from '../common/base.entity';

/** A request a caller may retry: the first result is remembered under (caller, operation, key). */
@Entity({ tableName: 'idempotency_keys' })
@Unique({ properties: ['caller', 'operation', 'key'] })
export class IdempotencyKey extends LogEntity {
  [OptionalProps]?: 'createdAt' | 'resultId';

  /** The actor's label ('partner:<id>', 'admin', a phone). */
  @Property({ type: 'string', length: 64 })
  caller!: string;

  @Property({ type: 'string', length: 40 })
  operation!: string;

  @Property({ type: 'string', length: 100 })
  key!: string;

  /** SHA-256 of the request's input: the same key with other input is a CONFLICT. */
  @Property({ type: 'string', length: 64 })
  inputHash!: string;

  @Property({ type: 'uuid', nullable: true })
  resultId?: string | null;
}
