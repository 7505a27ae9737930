import type { ServiceContext } from '../domain';
import { Payment, PaymentStatus } from './payment.entity';
import { ProviderRejectedError, requireProvider, type PaymentProvider } from './payment.provider';
import type { SettlementService } from './settlement.service';

/** The buyer's deposit: the STK push is started once per payment; its result arrives as a provider event. */
export class DepositService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly settlement: SettlementService,
  ) {}

  private get provider(): PaymentProvider {
    return requireProvider(this.ctx.provider);
  }

  async start(paymentId: string): Promise<'finished' | 'started'> {
    const em = this.ctx.em.fork();
    const p = await em.findOne(Payment, paymentId, { populate: ['contract'] });
    // depositRef set: the provider already has this deposit; a retried or duplicated job must not prompt again.
    if (!p || p.status !== PaymentStatus.PENDING || p.depositRef) return 'finished';
    try {
      const started = await this.provider.startDeposit({
        paymentId: p.id,
        phone: p.payer,
        amount: p.amount,
        currency: p.currency,
        accountReference: p.contract.code,
        description: `Escrow ${p.contract.code}`,
      });
      // Conditional: a concurrent attempt (or a result that came first) must not be overwritten.
      await em.nativeUpdate(
        Payment,
        { id: p.id, depositRef: null },
        { depositRef: started.providerRef, updatedAt: this.ctx.now() },
      );
      this.ctx.logger.info({ paymentId, provider: this.provider.name }, 'deposit requested');
      return 'started';
    } catch (err) {
      if (err instanceof ProviderRejectedError) await this.giveUp(paymentId, err.message);
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
