import { systemActor } from '../auth/actor';
import type { ContractService } from '../contract/contract.service';
import type { DeliveryService } from '../delivery/delivery.service';
import { purgeIdempotencyKeys } from '../idempotency/idempotency.service';
import type { ServiceContext } from '../domain';

const DAY_MS = 86_400_000;

/**
 * The periodic sweeps. Each finder returns ids only; the worker handles each id in a unit of work of its own,
 * through the same idempotent services the jobs use, so a sweep that overlaps a job changes nothing twice.
 */
export class HousekeepingService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly contracts: ContractService,
    private readonly deliveries: DeliveryService,
  ) {}

  expireContracts(): Promise<number> {
    return this.contracts.expireOverdue(systemActor('contract-expiry'));
  }

  acceptAfterWindow(deliveryId: string) {
    return this.deliveries.acceptAfterWindow(systemActor('release-window'), deliveryId);
  }

  /** LOCKED payments with a decided payout and no result, quiet for longer than the in-doubt period. */
  async payoutsToReconcile(limit = 100): Promise<Array<{ id: string; since: Date }>> {
    const quiet = new Date(this.ctx.now().getTime() - this.ctx.config.PAYOUT_IN_DOUBT_SECONDS * 1000);
    const rows: Array<{ id: string; since: Date }> = await this.ctx.em.getConnection().execute(
      `select id, coalesce(payout_requested_at, updated_at) as since from payments
       where status = 'LOCKED' and payout_kind is not null and coalesce(payout_requested_at, updated_at) < ?
       order by since limit ?`,
      [quiet, limit],
    );
    return rows.map((r) => ({ id: r.id, since: new Date(r.since) }));
  }

  /** PENDING deposits past their timeout: their timeout job was lost (a Redis that forgot its data). */
  async overdueDeposits(limit = 100): Promise<string[]> {
    const due = new Date(
      this.ctx.now().getTime() -
        (this.ctx.config.DEPOSIT_TIMEOUT_SECONDS + this.ctx.config.PAYOUT_IN_DOUBT_SECONDS) * 1000,
    );
    const rows: Array<{ id: string }> = await this.ctx.em
      .getConnection()
      .execute(`select id from payments where status = 'PENDING' and created_at < ? order by created_at limit ?`, [
        due,
        limit,
      ]);
    return rows.map((r) => r.id);
  }

  /** Seller-reported full deliveries whose release window passed with the contract still ACTIVE. */
  async overdueReleaseWindows(limit = 100): Promise<string[]> {
    const windowMs =
      Math.round(this.ctx.config.ESCROW_RELEASE_HOURS * 3600_000) + this.ctx.config.PAYOUT_IN_DOUBT_SECONDS * 1000;
    const rows: Array<{ id: string }> = await this.ctx.em.getConnection().execute(
      `select d.id from deliveries d join contracts c on c.id = d.contract_id
       where d.kind = 'FULL' and d.reporter_role = 'SELLER' and d.accepted_at is null and c.status = 'ACTIVE' and d.created_at < ?
       order by d.created_at limit ?`,
      [new Date(this.ctx.now().getTime() - windowMs), limit],
    );
    return rows.map((r) => r.id);
  }

  /** Relayed outbox rows and processed callbacks are kept a week for investigations, then deleted. */
  async prune(keepDays = 7): Promise<void> {
    const conn = this.ctx.em.getConnection();
    const before = new Date(this.ctx.now().getTime() - keepDays * DAY_MS);
    await conn.execute('delete from outbox_messages where relayed_at < ?', [before], 'run');
    await conn.execute('delete from provider_callbacks where processed_at < ?', [before], 'run');
    await purgeIdempotencyKeys(this.ctx); // issue 13: kept IDEMPOTENCY_KEY_HOURS, then forgotten
  }
}
