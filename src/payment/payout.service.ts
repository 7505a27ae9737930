import type { EntityManager } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.service';
import { systemActor } from '../auth/actor';
import type { ServiceContext } from '../domain';
import { alertOnce } from '../outbox/alerts';
import { Payment, PaymentStatus } from './payment.entity';
import { lockContractThenPayment } from './payment.lock';
import { ProviderRejectedError, requireProvider, type PaymentProvider } from './payment.provider';
import type { SettlementService } from './settlement.service';

const actor = systemActor('payments');

/** Not a failure: the payout cannot move on yet (an attempt may be in flight, or the provider's answer is awaited). */
export class PayoutNotYet extends Error {
  readonly retryable = true;
}

export type PayoutStep = 'finished' | 'awaiting-result' | 'sent' | 'settled';

/**
 * Carries out the money movements that the domain decided (deposit jobs, payout jobs, reconciliation).
 *
 * Exactly-once for payouts rests on two columns committed under the payment's row lock:
 * payoutRequestedAt is written BEFORE the provider is called, payoutProviderRef once it accepted.
 * - providerRef set: the provider has the payout; only its result (callback, or a query once overdue) moves it on.
 * - requestedAt set, no providerRef, younger than PAYOUT_IN_DOUBT_SECONDS: an attempt may be in flight: wait.
 * - requestedAt older than that: in doubt (a worker died, or the call timed out): ask the provider, and send
 *   again only when it positively answers that it has no such payout.
 */
export class PayoutService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly settlement: SettlementService,
  ) {}

  private get provider(): PaymentProvider {
    return requireProvider(this.ctx.provider);
  }

  private get inDoubtMs(): number {
    return this.ctx.config.PAYOUT_IN_DOUBT_SECONDS * 1000;
  }

  async executePayout(paymentId: string): Promise<PayoutStep> {
    const decision = await this.withPaymentLock(paymentId, (em, p) => {
      if (!p || p.status !== PaymentStatus.LOCKED || !p.payoutKind) return 'finished' as const;
      const quiet = p.payoutRequestedAt ? this.ageOf(p.payoutRequestedAt) >= this.inDoubtMs : false;
      // Accepted by the provider: its result is awaited; once overdue, ask (askProvider never resends these).
      if (p.payoutProviderRef) return quiet ? ('in-doubt' as const) : ('awaiting-result' as const);
      if (p.payoutRequestedAt) return quiet ? ('in-doubt' as const) : ('in-flight' as const);
      this.markSending(em, p);
      return 'send' as const;
    });
    if (decision === 'in-flight') throw new PayoutNotYet('A previous payout attempt may still be in flight');
    if (decision === 'in-doubt') return this.askProvider(paymentId);
    if (decision === 'send') return this.send(paymentId);
    return decision;
  }

  /**
   * The provider answered a status query: it has no payout with this reference. Clears the in-doubt mark so
   * the next attempt sends; ignored when the provider accepted one (providerRef) or an attempt may be in flight.
   */
  async providerHasNoRecord(reference: string): Promise<boolean> {
    const found = await this.ctx.em.findOne(Payment, { payoutRef: reference }, { fields: ['id'] });
    if (!found) return false;
    return this.withPaymentLock(found.id, (em, p) => {
      if (!p || p.status !== PaymentStatus.LOCKED || p.payoutProviderRef || !p.payoutRequestedAt) return false;
      if (this.ageOf(p.payoutRequestedAt) < this.inDoubtMs) return false;
      p.payoutRequestedAt = null;
      audit(em, this.ctx.now(), actor, {
        contractId: p.contract.id,
        subject: 'payment',
        subjectId: p.id,
        action: 'payout-not-found',
        details: { reference },
      });
      return true;
    });
  }

  /** Support hears (once per payment) of a payout that is still unresolved; the payment stays LOCKED. */
  async alertStuck(paymentId: string, why: string): Promise<void> {
    this.ctx.logger.error({ paymentId, why }, 'payout unresolved: support alerted');
    await alertOnce(this.ctx.em, this.ctx.now(), 'payment.stuck', paymentId, { why: why.slice(0, 120) });
  }

  private async askProvider(paymentId: string): Promise<PayoutStep> {
    const p = await this.ctx.em.findOneOrFail(Payment, paymentId, { refresh: true });
    const outcome = await this.provider.queryPayout(p.payoutRef!, p.payoutProviderRef ?? null);
    if (outcome.state === 'SUCCEEDED' || outcome.state === 'FAILED') {
      await this.settlement.settlePayout(paymentId, outcome);
      return 'settled';
    }
    if (outcome.state === 'UNKNOWN' && (await this.providerHasNoRecord(p.payoutRef!)))
      return this.executePayout(paymentId);
    // PENDING: the provider has it, or (M-Pesa) its answer comes later to the status callback.
    throw new PayoutNotYet(`Payout ${p.payoutRef} is in doubt; asked ${this.provider.name} and waiting for its answer`);
  }

  private async send(paymentId: string): Promise<PayoutStep> {
    const p = await this.ctx.em.findOneOrFail(Payment, paymentId, { populate: ['contract'], refresh: true });
    const kind = p.payoutKind!;
    try {
      const started = await this.provider.startPayout({
        reference: p.payoutRef!,
        paymentId: p.id,
        kind,
        phone: kind === 'RELEASE' ? p.payee : p.payer,
        amount: p.amount,
        currency: p.currency,
        remarks: `${kind === 'RELEASE' ? 'Payment' : 'Refund'} ${p.contract.code}`,
      });
      await this.withPaymentLock(paymentId, (_em, fresh) => {
        if (fresh && !fresh.payoutProviderRef) fresh.payoutProviderRef = started.providerRef;
      });
      return 'sent';
    } catch (err) {
      // A refusal means nothing moved: FAILED with the reason (settlement notifies support). Anything else
      // may have reached the provider, so the payout stays in doubt and is never marked FAILED here.
      if (err instanceof ProviderRejectedError)
        await this.settlement.markFailed(paymentId, err.message, PaymentStatus.LOCKED);
      throw err;
    }
  }

  private markSending(em: EntityManager, p: Payment): void {
    p.payoutRequestedAt = this.ctx.now();
    audit(em, this.ctx.now(), actor, {
      contractId: p.contract.id,
      subject: 'payment',
      subjectId: p.id,
      action: 'payout-sending',
      details: { reference: p.payoutRef, kind: p.payoutKind },
    });
  }

  private ageOf(at: Date): number {
    return this.ctx.now().getTime() - at.getTime();
  }

  /** A transaction of the unit of work's EntityManager (transactional forks it for the transaction, merges back). */
  private async withPaymentLock<T>(
    paymentId: string,
    fn: (em: EntityManager, p: Payment | null) => T | Promise<T>,
  ): Promise<T> {
    return this.ctx.em.transactional(async (em) => {
      const locked = await lockContractThenPayment(em, paymentId);
      return fn(em, locked?.payment ?? null);
    });
  }
}
