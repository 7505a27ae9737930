import { Entity, Index, Property, OptionalProps } from '@mikro-orm/core';
import { BaseEntity } from '../common/base.entity';

@Entity({ tableName: 'login_codes' })
export class LoginCode extends BaseEntity {
  [OptionalProps]?: 'attempts' | 'createdAt';

  @Property({ type: 'string', length: 16 })
  @Index()
  phoneNumber!: string;

  @Property({ type: 'string', length: 64 })
  codeHash!: string;

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  consumedAt?: Date | null;
}
