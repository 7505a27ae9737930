import { Entity, Index, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * One step of a partner's contract, written in the transaction that made the change. seq orders a contract's
 * events (they are written under the contract's row lock); id is what receivers see as VoicePact-Event-Id.
 */
@Entity({ tableName: 'webhook_events' })
@Index({ properties: ['contractId', 'seq'] })
export class WebhookEvent {
  [OptionalProps]?: 'seq' | 'createdAt';

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  seq!: string;

  @Property({ type: 'uuid', unique: true })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  @Index()
  partnerId!: string;

  @Property({ type: 'uuid' })
  contractId!: string;

  @Property({ type: 'string', length: 40 })
  type!: string;

  /** The body's data ({ contract, payment? }) as it was when the event happened. */
  @Property({ type: 'json' })
  data!: Record<string, unknown>;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
