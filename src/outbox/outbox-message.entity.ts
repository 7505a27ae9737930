import { Entity, Index, Property, OptionalProps } from '@mikro-orm/core';
import { LogEntity } from '../common/base.entity';

/**
 * Transactional outbox: a job decided inside a domain transaction is written here in that
 * transaction, and relayed to BullMQ afterwards. A Redis outage delays the job; it never loses it.
 */
@Entity({ tableName: 'outbox_messages' })
@Index({ properties: ['relayedAt', 'id'] })
export class OutboxMessage extends LogEntity {
  [OptionalProps]?: 'delayMs' | 'createdAt';

  @Property({ type: 'string', length: 40 })
  queue!: string;

  @Property({ type: 'string', length: 60 })
  name!: string;

  /** Deterministic BullMQ job id: relaying twice adds the job once. */
  @Property({ type: 'string', length: 120, unique: true })
  jobId!: string;

  @Property({ type: 'json' })
  data!: Record<string, unknown>;

  @Property({ type: 'integer', default: 0 })
  delayMs: number = 0;

  @Property({ type: 'datetime', nullable: true })
  relayedAt?: Date | null;
}
