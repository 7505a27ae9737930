import type { EntityManager } from '@mikro-orm/postgresql';
import { OutboxMessage } from './outbox-message.entity';

/** Queue names and the jobs each carries. Payloads hold ids, never personal data. */
export const QUEUES = {
  payments: 'payments',
  notifications: 'notifications',
  housekeeping: 'housekeeping',
  webhooks: 'webhooks',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** Domain events that produce an SMS; the notifications worker picks recipients and words. */
export type NotificationEvent =
  | 'contract.created'
  | 'contract.accepted'
  | 'contract.active'
  | 'contract.cancelled'
  | 'contract.declined'
  | 'contract.confirmed'
  | 'pin.locked'
  | 'pin.reset'
  | 'sms.reply'
  | 'delivery.reported'
  | 'delivery.partial'
  | 'delivery.accepted'
  | 'deposit.failed'
  | 'payment.released'
  | 'payment.refunded'
  | 'payment.failed'
  | 'dispute.raised'
  | 'dispute.resolved'
  // Support alerts (issue 4): a payout the provider has not settled in time, money we received but cannot match.
  | 'payment.stuck'
  | 'deposit.unmatched'
  // Issue 13: a partner's webhook endpoint failed for a day and was disabled.
  | 'webhook.disabled'
  // Issue 11: the delivery deadline passed; warnings before money moves by itself (sent late, checked when sent).
  | 'delivery.overdue'
  | 'deadline.extended'
  | 'release.warning'
  | 'refund.warning';

export interface OutboxJob {
  queue: QueueName;
  name: string;
  /** Deterministic: the same decision always yields the same id, so BullMQ adds it once. */
  jobId: string;
  data: Record<string, unknown>;
  delayMs?: number;
}

/** Written in the caller's transaction: the job exists if and only if the decision committed. */
export function enqueue(em: EntityManager, at: Date, job: OutboxJob): void {
  em.persist(
    em.create(OutboxMessage, {
      queue: job.queue,
      name: job.name,
      jobId: job.jobId,
      data: job.data,
      delayMs: job.delayMs ?? 0,
      createdAt: at,
    }),
  );
}

/**
 * A notification job, once per event and subject: `key` (default: the subject's id) names the job, for an event that
 * may come again about the same subject (each passed or extended deadline). `delayMs`: due later (a warning before
 * money moves by itself); its recipients decide at send time.
 */
export function notify(
  em: EntityManager,
  at: Date,
  event: NotificationEvent,
  subjectId: string,
  data: Record<string, unknown> = {},
  opts: { key?: string; delayMs?: number } = {},
): void {
  enqueue(em, at, {
    queue: QUEUES.notifications,
    name: event,
    jobId: `${event}-${opts.key ?? subjectId}`,
    data: { event, subjectId, ...data },
    ...(opts.delayMs !== undefined ? { delayMs: Math.max(0, Math.round(opts.delayMs)) } : {}),
  });
}
