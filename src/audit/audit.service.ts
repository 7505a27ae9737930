import type { EntityManager } from '@mikro-orm/postgresql';
import { actorLabel, type Actor } from '../auth/actor';
import { AuditEvent } from './audit-event.entity';

export interface AuditEntry {
  contractId: string | null;
  subject: 'contract' | 'party' | 'delivery' | 'payment' | 'dispute' | 'pin';
  subjectId?: string | null;
  action: string;
  from?: string | null;
  to?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Persisted in the caller's unit of work, so the record commits (or not) with the change itself. `at` is the
 * service's clock (ctx.now()), like every other time the domain writes.
 */
export function audit(em: EntityManager, at: Date, actor: Actor, entry: AuditEntry): void {
  em.persist(
    em.create(AuditEvent, {
      contractId: entry.contractId,
      subject: entry.subject,
      subjectId: entry.subjectId ?? null,
      actor: actorLabel(actor),
      action: entry.action,
      fromState: entry.from ?? null,
      toState: entry.to ?? null,
      details: entry.details ?? {},
      createdAt: at,
    }),
  );
}
