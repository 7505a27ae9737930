import { Entity, Index, Property, OptionalProps } from '@mikro-orm/core';
import { BaseEntity } from '../common/base.entity';

/** Where a partner hears of its contracts. The signing secret is stored encrypted (secret-box.ts), never in clear. */
@Entity({ tableName: 'webhook_endpoints' })
export class WebhookEndpoint extends BaseEntity {
  [OptionalProps]?: 'events' | 'createdAt' | 'disabledAt' | 'failingSince';

  @Property({ type: 'uuid' })
  @Index()
  partnerId!: string;

  @Property({ type: 'string', length: 2048 })
  url!: string;

  /** Event types this endpoint hears; empty: all of them. */
  @Property({ type: 'json', default: '[]' })
  events: string[] = [];

  @Property({ type: 'text' })
  secretEncrypted!: string;

  /** Set at the first failure after a success; an endpoint failing for WEBHOOK_DISABLE_AFTER_HOURS is disabled. */
  @Property({ type: 'datetime', nullable: true })
  failingSince?: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  disabledAt?: Date | null = null;
}
