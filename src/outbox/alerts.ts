import type { EntityManager } from '@mikro-orm/postgresql';
import { OutboxMessage } from './outbox-message.entity';
import { notify, type NotificationEvent } from './outbox';

/**
 * A notification that must go out at most once per subject even when several sweeps find the same problem
 * (outbox job ids are unique). Callers hold the subject's row lock, or accept a rare unique-violation retry.
 */
export async function alertOnce(em: EntityManager, event: NotificationEvent, subjectId: string, data: Record<string, unknown> = {}): Promise<boolean> {
  if (await em.count(OutboxMessage, { jobId: `${event}-${subjectId}` })) return false;
  notify(em, event, subjectId, data);
  return true;
}
