import { Entity, Enum, Index, Property, OptionalProps, Unique } from '@mikro-orm/core';
import { BaseEntity } from '../common/base.entity';

export enum DeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  /** Retried for WEBHOOK_RETRY_HOURS without a 2xx, or its endpoint was disabled. */
  GAVE_UP = 'GAVE_UP',
}

/** One event on its way to one endpoint: its state across attempts. */
@Entity({ tableName: 'webhook_deliveries' })
@Unique({ properties: ['endpointId', 'eventSeq'] })
@Index({ properties: ['endpointId', 'contractId', 'status'] })
export class WebhookDelivery extends BaseEntity {
  [OptionalProps]?: 'status' | 'attempts' | 'createdAt';

  @Property({ type: 'uuid' })
  endpointId!: string;

  @Property({ type: 'bigint' })
  eventSeq!: string;

  @Property({ type: 'uuid' })
  contractId!: string;

  @Enum({ items: () => DeliveryStatus, default: DeliveryStatus.PENDING })
  status: DeliveryStatus = DeliveryStatus.PENDING;

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  @Property({ type: 'datetime', nullable: true })
  nextAttemptAt?: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date | null = null;
}
