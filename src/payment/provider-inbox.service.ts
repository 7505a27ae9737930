import { createHash } from 'node:crypto';
import type { ServiceContext } from '../domain';
import { alertOnce } from '../outbox/alerts';
import { Payment, PaymentStatus } from './payment.entity';
import type { ProviderEvent } from './payment.provider';
import type { PayoutService } from './payout.service';
import type { EventResult, SettlementService } from './settlement.service';

export type InboxResult = EventResult | 'not-found';

/**
 * How long a callback naming a reference we do not know stays pending. A fast provider can answer before our
 * own commit of the reference (the STK push returns, then we store its CheckoutRequestID): retrying a little
 * later finds it. After that, the callback is recorded as unknown and, if it says money moved, support is told.
 */
const UNKNOWN_GRACE_MS = 120_000;

/** Receives provider events into provider_callbacks (committed, deduplicated), then applies each at most once. */
export class ProviderInbox {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly settlement: SettlementService,
    private readonly payouts: PayoutService,
  ) {}

  /** Returns the new row's id, or null when this exact callback was received before. */
  async receive(source: string, body: unknown, event: ProviderEvent, notFound = false): Promise<string | null> {
    const key = createHash('sha256')
      .update(`${source}\n${JSON.stringify(body)}`)
      .digest('hex');
    const rows: Array<{ id: string }> = await this.ctx.em.getConnection().execute(
      `insert into provider_callbacks (source, dedupe_key, event, not_found, attempts, received_at)
       values (?, ?, ?::jsonb, ?, 0, ?) on conflict (dedupe_key) do nothing returning id`,
      [source, key, JSON.stringify(event), notFound, this.ctx.now()],
    );
    if (!rows[0]) this.ctx.logger.info({ source }, 'provider callback received again: ignored');
    return rows[0] ? String(rows[0].id) : null;
  }

  /** Applies one received callback. null when it was already processed (by another process, or earlier). */
  async process(id: string): Promise<InboxResult | null> {
    const conn = this.ctx.em.getConnection();
    const [row]: Array<{ event: ProviderEvent; not_found: boolean; received_at: Date }> = await conn.execute(
      'update provider_callbacks set attempts = attempts + 1 where id = ? and processed_at is null returning event, not_found, received_at',
      [id],
    );
    if (!row) return null;
    const event = row.event;
    let result: InboxResult;
    if (row.not_found && event.type === 'PAYOUT_RESULT' && event.reference) {
      result = (await this.payouts.providerHasNoRecord(event.reference)) ? 'not-found' : 'duplicate';
    } else {
      result = await this.settlement.applyProviderEvent(event);
    }
    const age = this.ctx.now().getTime() - new Date(row.received_at).getTime();
    if (result === 'unknown' && age < UNKNOWN_GRACE_MS) return result; // stays pending; the sweep tries again
    await conn.execute('update provider_callbacks set processed_at = ?, result = ? where id = ?', [
      this.ctx.now(),
      result,
      id,
    ]);
    this.ctx.logger[result === 'unknown' ? 'error' : 'info'](
      { callback: id, type: event.type, result },
      'provider event processed',
    );
    await this.alertUnmatchedMoney(event, result);
    return result;
  }

  /** Callbacks received but not yet processed (a crash after the answer, or a reference not yet known). */
  async pending(olderThanMs = 1000, limit = 100): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.ctx.em
      .getConnection()
      .execute('select id from provider_callbacks where processed_at is null and received_at < ? order by id limit ?', [
        new Date(this.ctx.now().getTime() - olderThanMs),
        limit,
      ]);
    return rows.map((r) => String(r.id));
  }

  /**
   * Money that arrived without a payment to hold it: a deposit for an unknown reference, or one that
   * completed after its payment had already failed (the buyer paid after the timeout). Support refunds it.
   */
  private async alertUnmatchedMoney(event: ProviderEvent, result: InboxResult): Promise<void> {
    if (event.type !== 'DEPOSIT_RESULT' || event.outcome.state !== 'SUCCEEDED') return;
    const { receipt, amount } = event.outcome;
    if (result === 'duplicate') {
      const p = await this.ctx.em.findOne(Payment, { depositRef: event.providerRef }, { refresh: true });
      if (!p || (p.status !== PaymentStatus.FAILED && p.depositReceipt === receipt)) return;
    } else if (result !== 'unknown') return;
    this.ctx.logger.error(
      { providerRef: event.providerRef, receipt },
      'deposit received that no payment holds: support alerted',
    );
    await alertOnce(this.ctx.em, this.ctx.now(), 'deposit.unmatched', receipt, {
      providerRef: event.providerRef,
      amount: amount ?? null,
    });
  }
}
