import { PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * What tables start with, written once (abstract classes that entities extend, as MikroORM's own examples do;
 * none is an entity itself). The uuid is made in code, so a row's id is known before its insert.
 */
export abstract class IdEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();
}

export abstract class BaseEntity extends IdEntity {
  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}

/** Append-only logs (audit events, outbox messages): a bigint serial id, which orders rows as they were written. */
export abstract class LogEntity {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
