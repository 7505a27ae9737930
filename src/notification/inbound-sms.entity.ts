import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** An SMS a person sent us (Africa's Talking's incoming-message callback), kept once per provider message id. */
@Entity({ tableName: 'inbound_sms' })
export class InboundSms {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  /** AT's message id: the same message retried by AT is one row, and so one reply. */
  @Property({ type: 'string', length: 100, unique: true })
  providerId!: string;

  /** E.164. */
  @Property({ type: 'string', length: 16 })
  fromPhone!: string;

  @Property({ type: 'string', length: 160 })
  text!: string;

  @Property({ type: 'datetime' })
  receivedAt: Date = new Date();
}
