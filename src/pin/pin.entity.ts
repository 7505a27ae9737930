import { Entity, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** A phone user's VoicePact PIN: only its salted scrypt hash is kept, never the digits. */
@Entity({ tableName: 'pins' })
export class Pin {
  [OptionalProps]?: 'failedAttempts' | 'lockedUntil' | 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** E.164. */
  @Property({ type: 'string', length: 16, unique: true })
  phoneNumber!: string;

  /** `scrypt$N$r$p$<salt base64>$<hash base64>`: the parameters travel with the hash, so they can be raised later. */
  @Property({ type: 'string', length: 200 })
  hash!: string;

  /** Wrong PINs in a row; back to 0 after a right one or when a lock is set. */
  @Property({ type: 'integer', default: 0 })
  failedAttempts: number = 0;

  @Property({ type: 'datetime', nullable: true })
  lockedUntil?: Date | null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date = new Date();
}
