import { Entity, Property, OptionalProps } from '@mikro-orm/core';
import { BaseEntity } from '../common/base.entity';

/** A phone user's session token; only its SHA-256 is stored. */
@Entity({ tableName: 'auth_sessions' })
export class AuthSession extends BaseEntity {
  [OptionalProps]?: 'createdAt';

  @Property({ type: 'string', length: 16 })
  phoneNumber!: string;

  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  @Property({ type: 'datetime' })
  expiresAt!: Date;
}
