import { Entity, Index, Property, OptionalProps } from '@mikro-orm/core';
import { BaseEntity } from '../../src/common/base.entity';

/**
 * Every hop updates its row (src ussd session save): no index may cover a column a hop changes (expires_at,
 * updated_at, context...), so that PostgreSQL updates the row in place (a HOT update, no index entry written)
 * in the room the table's fillfactor leaves (migration 20261201120000).
 */
@Entity({ tableName: 'ussd_sessions' })
@Index({ properties: ['phoneNumber', 'createdAt'] })
// Retention: a session last touched before a time was created before it (cleanupSessions).
@Index({ properties: ['createdAt'] })
// What cleanup closes is among the active sessions, a few minutes' worth.
@Index({
  name: 'ussd_sessions_active_index',
  expression: 'create index "ussd_sessions_active_index" on "ussd_sessions" ("created_at") where "active"',
})
export class UssdSession extends BaseEntity {
  [OptionalProps]?: 'currentMenu' | 'context' | 'active' | 'hops' | 'createdAt' | 'updatedAt';

  @Property({ type: 'string', length: 100, unique: true })
  sessionId!: string;

  @Property({ type: 'string', length: 16 })
  phoneNumber!: string;

  @Property({ type: 'string', length: 40, default: 'main' })
  currentMenu: string = 'main';

  @Property({ type: 'json', default: '{}' })
  context: Record<string, unknown> = {};

  /** The whole `text` of the last request: a replay sends the same text again. */
  @Property({ type: 'text', nullable: true })
  lastInput?: string | null;

  @Property({ type: 'text', nullable: true })
  lastResponse?: string | null;

  @Property({ type: 'boolean', default: true })
  active: boolean = true;

  @Property({ type: 'integer', default: 0 })
  hops: number = 0;

  /** From AT's end-of-session notification, or 'EXPIRED' from cleanup. */
  @Property({ type: 'string', length: 20, nullable: true })
  endStatus?: string | null;

  @Property({ type: 'integer', nullable: true })
  durationMs?: number | null;

  @Property({ type: 'string', length: 40, nullable: true })
  cost?: string | null;

  @Property({ type: 'string', length: 200, nullable: true })
  errorMessage?: string | null;

  /** AT's own count of hops and the session's last input, from the end-of-session notification. */
  @Property({ type: 'integer', nullable: true })
  reportedHops?: number | null;

  @Property({ type: 'string', length: 200, nullable: true })
  reportedInput?: string | null;

  @Property({ type: 'datetime', nullable: true })
  endedAt?: Date | null;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Property({ type: 'datetime' })
  expiresAt!: Date;
}
