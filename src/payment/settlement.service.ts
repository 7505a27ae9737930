import { audit } from '../audit/audit.service';
import { systemActor } from '../auth/actor';
import { Decimal } from '../common/money';
import { ContractStatus } from '../contract/contract.enums';
import type { ContractService } from '../contract/contract.service';
import type { ServiceContext } from '../domain';
import { movementsOf, settleDepositsIfEmpty } from '../escrow/escrow.ledger';
import { notify } from '../outbox/outbox';
import { webhookEvent } from '../webhook/webhook.events';
import { Payment, PaymentStatus } from './payment.entity';
import { lockContractThenPaymentOrFail } from './payment.lock';
import type { PaymentService } from './payment.service';
import type { ProviderEvent, ProviderOutcome } from './payment.provider';

const actor = systemActor('settlement');

export type EventResult = 'applied' | 'duplicate' | 'unknown';

/**
 * Applies what providers report. Every path locks the contract, then the payment, and checks the
 * payment's state first: a callback that arrives twice, late or out of order changes nothing.
 */
export class SettlementService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly contracts: ContractService,
    private readonly payments: PaymentService,
  ) {}

  async applyProviderEvent(event: ProviderEvent): Promise<EventResult> {
    const where =
      event.type === 'DEPOSIT_RESULT'
        ? { depositRef: event.providerRef }
        : event.reference
          ? { payoutRef: event.reference }
          : { payoutProviderRef: event.providerRef };
    const found = await this.ctx.em.findOne(Payment, where, { fields: ['id'] });
    const id = found?.id ?? (event.type === 'DEPOSIT_RESULT' ? await this.claimDepositInDoubt(event) : null);
    if (!id) return 'unknown';
    return event.type === 'DEPOSIT_RESULT'
      ? this.settleDeposit(id, event.outcome)
      : this.settlePayout(id, event.outcome);
  }

  /**
   * A deposit result naming a CheckoutRequestID we never stored: the answer to an STK push that timed out on our
   * side. It belongs to the one deposit in doubt (its request timed out) still open within the deposit window, from
   * the same phone for the same amount; that deposit takes the reference. A deposit whose request is merely in flight
   * is not a candidate: its own reference is about to be stored. None, or two alike: unknown (support hears of money
   * that came and no payment holds).
   */
  private async claimDepositInDoubt(event: Extract<ProviderEvent, { type: 'DEPOSIT_RESULT' }>): Promise<string | null> {
    if (event.outcome.state !== 'SUCCEEDED' || !event.payer || !event.outcome.amount) return null;
    const since = new Date(this.ctx.now().getTime() - this.ctx.config.DEPOSIT_TIMEOUT_SECONDS * 1000);
    const open = { status: PaymentStatus.PENDING, depositRef: null };
    const candidates = await this.ctx.em.find(
      Payment,
      {
        ...open,
        depositRequestedAt: { $gte: since },
        depositInDoubtAt: { $ne: null },
        payer: event.payer,
        amount: event.outcome.amount,
      },
      { fields: ['id'], limit: 2 },
    );
    if (candidates.length !== 1) return null;
    const [{ id }] = candidates;
    const claimed = await this.ctx.em.nativeUpdate(
      Payment,
      { id, ...open },
      { depositRef: event.providerRef, updatedAt: this.ctx.now() },
    );
    if (!claimed) return null;
    this.ctx.logger.info({ paymentId: id }, 'deposit result matched to a request in doubt by phone and amount');
    return id;
  }

  async settleDeposit(paymentId: string, outcome: ProviderOutcome): Promise<EventResult> {
    if (outcome.state === 'PENDING' || outcome.state === 'UNKNOWN') return 'duplicate';
    return this.ctx.em.transactional(async (em) => {
      const { payment, contract } = await lockContractThenPaymentOrFail(em, paymentId);
      if (payment.status !== PaymentStatus.PENDING) return 'duplicate';
      if (outcome.state === 'FAILED') {
        this.fail(em, payment, outcome.reason);
        notify(em, this.ctx.now(), 'deposit.failed', payment.id);
        return 'applied';
      }
      if (outcome.amount && !new Decimal(outcome.amount).eq(payment.amount)) {
        this.fail(em, payment, `Deposit of ${outcome.amount} does not match ${payment.amount}; support will reconcile`);
        notify(em, this.ctx.now(), 'payment.failed', payment.id);
        return 'applied';
      }
      payment.status = PaymentStatus.LOCKED;
      payment.depositReceipt = outcome.receipt;
      payment.lockedAt = this.ctx.now();
      audit(em, this.ctx.now(), actor, {
        contractId: contract.id,
        subject: 'payment',
        subjectId: payment.id,
        action: 'deposit-locked',
        from: 'PENDING',
        to: 'LOCKED',
        details: { receipt: outcome.receipt },
      });
      webhookEvent(em, this.ctx.now(), 'payment.locked', contract, payment);
      if (contract.status !== ContractStatus.CONFIRMED) {
        // The deal ended (or stopped) while the buyer was paying: this part goes back. Parts collected before
        // are the cancellation's or the dispute's to move.
        await this.payments.requestPayout(em, actor, contract, 'REFUND', { amount: payment.amount });
        return 'applied';
      }
      // Under the contract's lock, once per part (the PENDING check above): the next part's prompt, or ACTIVE.
      const plan = this.payments.depositPlan(contract, await movementsOf(em, contract));
      if (plan.next) await this.payments.askForDepositPart(em, actor, contract, plan);
      else {
        this.contracts.transition(em, actor, contract, ContractStatus.ACTIVE, { paymentId: payment.id });
        notify(em, this.ctx.now(), 'contract.active', contract.id);
      }
      return 'applied';
    });
  }

  async settlePayout(paymentId: string, outcome: ProviderOutcome): Promise<EventResult> {
    if (outcome.state === 'PENDING' || outcome.state === 'UNKNOWN') return 'duplicate';
    return this.ctx.em.transactional(async (em) => {
      const { payment, contract } = await lockContractThenPaymentOrFail(em, paymentId);
      if (payment.status !== PaymentStatus.LOCKED || !payment.payoutKind) return 'duplicate';
      if (outcome.state === 'FAILED') {
        this.fail(em, payment, outcome.reason);
        notify(em, this.ctx.now(), 'payment.failed', payment.id);
        return 'applied';
      }
      const to = payment.payoutKind === 'RELEASE' ? PaymentStatus.RELEASED : PaymentStatus.REFUNDED;
      payment.status = to;
      payment.payoutReceipt = outcome.receipt;
      payment.settledAt = this.ctx.now();
      audit(em, this.ctx.now(), actor, {
        contractId: contract.id,
        subject: 'payment',
        subjectId: payment.id,
        action: 'payout-settled',
        from: 'LOCKED',
        to,
        details: { receipt: outcome.receipt },
      });
      notify(em, this.ctx.now(), to === PaymentStatus.RELEASED ? 'payment.released' : 'payment.refunded', payment.id);
      webhookEvent(
        em,
        this.ctx.now(),
        to === PaymentStatus.RELEASED ? 'payment.released' : 'payment.refunded',
        contract,
        payment,
      );
      await settleDepositsIfEmpty(em, contract, this.ctx.now());
      return 'applied';
    });
  }

  /** A final failure (retries exhausted, or the provider refused): recorded once, with the reason. */
  async markFailed(paymentId: string, reason: string, expected: PaymentStatus): Promise<EventResult> {
    return this.ctx.em.transactional(async (em) => {
      const { payment } = await lockContractThenPaymentOrFail(em, paymentId);
      if (payment.status !== expected) return 'duplicate';
      this.fail(em, payment, reason);
      notify(em, this.ctx.now(), expected === PaymentStatus.PENDING ? 'deposit.failed' : 'payment.failed', payment.id);
      return 'applied';
    });
  }

  private fail(em: ServiceContext['em'], payment: Payment, reason: string): void {
    const from = payment.status;
    payment.status = PaymentStatus.FAILED;
    payment.failureReason = reason.slice(0, 280);
    audit(em, this.ctx.now(), actor, {
      contractId: payment.contract.id,
      subject: 'payment',
      subjectId: payment.id,
      action: 'failed',
      from,
      to: 'FAILED',
      details: { reason },
    });
    webhookEvent(em, this.ctx.now(), 'payment.failed', payment.contract, payment);
  }
}
