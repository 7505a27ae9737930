import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OutboxMessage } from './outbox-message.entity';
import { notify, type NotificationEvent } from './outbox';

/**
 * A notification that goes out at most once per subject, however many sweeps find the same problem: the outbox
 * job id is unique, so the loser of a race between two sweeps simply finds the alert already raised.
 */
export async function alertOnce(
  em: EntityManager,
  at: Date,
  event: NotificationEvent,
  subjectId: string,
  data: Record<string, unknown> = {},
): Promise<boolean> {
  if (await em.count(OutboxMessage, { jobId: `${event}-${subjectId}` })) return false;
  try {
    await em.transactional(async (tx) => notify(tx, at, event, subjectId, data));
    return true;
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) return false;
    throw err;
  }
}
