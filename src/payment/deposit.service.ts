import { audit } from '../audit/audit.service';
import { systemActor } from '../auth/actor';
import type { ServiceContext } from '../domain';
import { Payment, PaymentStatus } from './payment.entity';
import { ProviderInDoubtError, ProviderRejectedError, requireProvider, type PaymentProvider } from './payment.provider';
import type { SettlementService } from './settlement.service';

const actor = systemActor('payments');

/**
 * The buyer's deposit: the STK push is sent at most once per payment; its result arrives as a provider event.
 *
 * depositRequestedAt is committed BEFORE the provider is called. A job that finds it set (a retry, a duplicate, a
 * second worker) never prompts again: the buyer may already be looking at the first prompt. Only an answer that
 * proves nothing reached the provider (refused connection, 5xx) clears it for the retry. A request in doubt (timed
 * out) is settled by its late callback (SettlementService matches it by phone and amount) or times out FAILED.
 */
export class DepositService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly settlement: SettlementService,
  ) {}

  private get provider(): PaymentProvider {
    return requireProvider(this.ctx.provider);
  }

  async start(paymentId: string): Promise<'finished' | 'started' | 'in-doubt'> {
    const em = this.ctx.em;
    const p = await em.findOne(Payment, paymentId, { populate: ['contract'] });
    if (!p || p.status !== PaymentStatus.PENDING || p.depositRef || p.depositRequestedAt) return 'finished';
    const now = this.ctx.now();
    // Conditional and committed at once (no transaction is open here): of two jobs racing, one sends.
    const claimed = await em.nativeUpdate(
      Payment,
      { id: p.id, status: PaymentStatus.PENDING, depositRef: null, depositRequestedAt: null },
      { depositRequestedAt: now, updatedAt: now },
    );
    if (claimed === 0) return 'finished';
    try {
      const started = await this.provider.startDeposit({
        paymentId: p.id,
        phone: p.payer,
        amount: p.amount,
        currency: p.currency,
        accountReference: p.contract.code,
        description: `Escrow ${p.contract.code}`,
      });
      // Conditional: a result that came first (matched by phone and amount) has set the same reference.
      await em.nativeUpdate(
        Payment,
        { id: p.id, depositRef: null },
        { depositRef: started.providerRef, updatedAt: this.ctx.now() },
      );
      this.ctx.logger.info({ paymentId, provider: this.provider.name }, 'deposit requested');
      return 'started';
    } catch (err) {
      if (err instanceof ProviderRejectedError) {
        await this.giveUp(paymentId, err.message);
        throw err;
      }
      if (err instanceof ProviderInDoubtError) {
        // Not retried: the buyer may have been prompted. The late callback or the deposit timeout decides.
        this.ctx.logger.warn({ paymentId, err: err.message }, 'deposit request in doubt: not sent again');
        await em.nativeUpdate(
          Payment,
          { id: p.id, status: PaymentStatus.PENDING, depositRef: null },
          { depositInDoubtAt: this.ctx.now(), updatedAt: this.ctx.now() },
        );
        audit(em, this.ctx.now(), actor, {
          contractId: p.contract.id,
          subject: 'payment',
          subjectId: p.id,
          action: 'deposit-in-doubt',
          details: { reason: err.message.slice(0, 200) },
        });
        await em.flush();
        return 'in-doubt';
      }
      // Nothing reached the provider: the retry may send.
      await em.nativeUpdate(
        Payment,
        { id: p.id, status: PaymentStatus.PENDING, depositRef: null },
        { depositRequestedAt: null, updatedAt: this.ctx.now() },
      );
      throw err;
    }
  }

  /** The deposit-timeout job: a deposit still PENDING now failed, so the buyer may try again. */
  async expire(paymentId: string): Promise<boolean> {
    const result = await this.settlement.markFailed(
      paymentId,
      'Timed out: the deposit was not completed in time',
      PaymentStatus.PENDING,
    );
    if (result === 'applied') this.ctx.logger.info({ paymentId }, 'deposit timed out');
    return result === 'applied';
  }

  /** Final failure (refused, or retries exhausted): FAILED with the reason; the buyer is told and may retry. */
  async giveUp(paymentId: string, reason: string): Promise<void> {
    const result = await this.settlement.markFailed(paymentId, reason, PaymentStatus.PENDING);
    if (result === 'applied') this.ctx.logger.warn({ paymentId, reason }, 'deposit failed');
  }
}
