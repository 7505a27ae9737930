import { Entity, Index, Property, OptionalProps } from '@mikro-orm/core';
import { BaseEntity } from '../common/base.entity';

/** One POST to an endpoint and its answer, as the partner sees it in webhookDeliveries. */
@Entity({ tableName: 'webhook_attempts' })
@Index({ properties: ['endpointId', 'createdAt', 'id'] })
export class WebhookAttempt extends BaseEntity {
  [OptionalProps]?: 'createdAt' | 'redelivery';

  @Property({ type: 'uuid' })
  endpointId!: string;

  /** The event's public id (VoicePact-Event-Id). */
  @Property({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'string', length: 40 })
  eventType!: string;

  @Property({ type: 'integer' })
  attempt!: number;

  @Property({ type: 'boolean' })
  succeeded!: boolean;

  @Property({ type: 'integer', nullable: true })
  statusCode?: number | null;

  /** The start of the answer's body (at most a few KB are read). */
  @Property({ type: 'text', nullable: true })
  responseBody?: string | null;

  /** Why no answer counted: timeout, refused address, connection error. */
  @Property({ type: 'string', length: 300, nullable: true })
  error?: string | null;

  @Property({ type: 'integer' })
  durationMs!: number;

  /** Sent by redeliverWebhookEvent, outside the retry schedule. */
  @Property({ type: 'boolean', default: false })
  redelivery: boolean = false;
}
