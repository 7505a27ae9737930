import { Entity, Property, OptionalProps } from '@mikro-orm/core';
import { BaseEntity } from '../common/base.entity';

/** A partner's API key is shown once at creation; only its SHA-256 is stored. */
@Entity({ tableName: 'partners' })
export class Partner extends BaseEntity {
  [OptionalProps]?: 'createdAt';

  @Property({ type: 'string', length: 80 })
  name!: string;

  @Property({ type: 'string', length: 64, unique: true })
  keyHash!: string;

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;
}
