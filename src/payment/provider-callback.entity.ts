import { Entity, Index, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';
import type { ProviderEvent } from './payment.provider';

/**
 * Inbox of what providers told us (M-Pesa callbacks, sandbox settlements). A callback is written here and
 * committed before it is acknowledged, then applied: a crash after the "Accepted" answer cannot lose it,
 * and the unique dedupe key makes a callback delivered twice a single row.
 */
@Entity({ tableName: 'provider_callbacks' })
@Index({ properties: ['processedAt', 'id'] })
export class ProviderCallback {
  [OptionalProps]?: 'notFound' | 'attempts' | 'receivedAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** mpesa:stk, mpesa:b2c/result, ..., sandbox */
  @Property({ type: 'string', length: 30 })
  source!: string;

  /** sha256 of the source and the body as received. */
  @Property({ type: 'string', length: 64, unique: true })
  dedupeKey!: string;

  /** The parsed event: references, outcome, receipt; never the raw body (it carries phone numbers). */
  @Property({ type: 'json' })
  event!: ProviderEvent;

  /** The provider positively answered that it has no such payout (a status query), so resending is safe. */
  @Property({ type: 'boolean', default: false })
  notFound: boolean = false;

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  /** applied | duplicate | unknown | not-found */
  @Property({ type: 'string', length: 20, nullable: true })
  result?: string | null;

  @Property({ type: 'datetime' })
  receivedAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  processedAt?: Date | null;
}
