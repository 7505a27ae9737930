import type { ServiceContext } from '../domain';
import { AuditEvent } from './audit-event.entity';

export interface HistoryEntry {
  contractId: string;
  /** Who: 'admin', 'partner:<id>', 'system:<job>' or the party's phone. */
  actor: string;
  /** What: created, accepted, status, deposit-locked, ... */
  action: string;
  subject: string;
  subjectId: string | null;
  fromState: string | null;
  toState: string | null;
  details: Record<string, unknown>;
  /** When. */
  createdAt: Date;
}

/** Detail keys that could carry a secret are never shown, whatever a future audit call writes. */
const SECRET_KEY = /pin|code|secret|token|password|key|otp/i;

/**
 * A contract's history: its audit events, oldest first. Callers reach it only through a contract they may see
 * (the policy already decided: its parties, its partner, admins), so it is loaded by contract id.
 */
export class HistoryService {
  constructor(private readonly ctx: ServiceContext) {}

  async ofContracts(contractIds: readonly string[]): Promise<HistoryEntry[]> {
    const rows = await this.ctx.em.find(
      AuditEvent,
      { contractId: { $in: [...contractIds] } },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    // Plain copies: the audit rows themselves are append-only and must never be flushed changed.
    return rows.map((r) => ({
      contractId: r.contractId!,
      actor: r.actor,
      action: r.action,
      subject: r.subject,
      subjectId: r.subjectId ?? null,
      fromState: r.fromState ?? null,
      toState: r.toState ?? null,
      details: withoutSecrets(r.details),
      createdAt: r.createdAt,
    }));
  }
}

export function withoutSecrets(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details ?? {}).filter(([k]) => !SECRET_KEY.test(k)));
}
