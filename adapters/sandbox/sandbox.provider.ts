import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from '../../src/common/logger';
import { maskPhone } from '../../src/common/phone';
import type {
  DepositRequest,
  DepositStarted,
  PaymentProvider,
  PayoutRequest,
  PayoutStarted,
  ProviderEvent,
  ProviderEventHandler,
  ProviderOutcome,
} from '../../src/payment/payment.provider';

export interface SandboxProviderOptions {
  settleMs: number;
  logger: Logger;
  /** Receives each settlement exactly as an M-Pesa callback would be delivered. */
  onEvent: ProviderEventHandler;
}

interface Attempt {
  providerRef: string;
  outcome: ProviderOutcome;
}

/**
 * Moves no money: every deposit and payout succeeds settleMs later, through the same event path as a real callback,
 * so the rest of the system cannot tell the difference. Idempotent per reference, in memory only.
 */
export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox' as const;
  private readonly deposits = new Map<string, Attempt>();
  private readonly payouts = new Map<string, Attempt>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly opts: SandboxProviderOptions) {}

  async startDeposit(req: DepositRequest): Promise<DepositStarted> {
    const known = this.deposits.get(req.paymentId);
    if (known) return { providerRef: known.providerRef };
    const attempt: Attempt = { providerRef: `ws_CO_SBX_${randomUUID()}`, outcome: { state: 'PENDING' } };
    this.deposits.set(req.paymentId, attempt);
    this.opts.logger.info(
      {
        paymentId: req.paymentId,
        providerRef: attempt.providerRef,
        from: maskPhone(req.phone),
        amount: req.amount,
        currency: req.currency,
      },
      'sandbox: pretending to send an STK push',
    );
    this.settleLater(attempt, req.amount, (outcome) => ({
      type: 'DEPOSIT_RESULT',
      providerRef: attempt.providerRef,
      outcome,
    }));
    return { providerRef: attempt.providerRef };
  }

  async startPayout(req: PayoutRequest): Promise<PayoutStarted> {
    const known = this.payouts.get(req.reference);
    if (known) return { providerRef: known.providerRef };
    const attempt: Attempt = { providerRef: `AG_SBX_${randomUUID()}`, outcome: { state: 'PENDING' } };
    this.payouts.set(req.reference, attempt);
    this.opts.logger.info(
      {
        reference: req.reference,
        kind: req.kind,
        providerRef: attempt.providerRef,
        to: maskPhone(req.phone),
        amount: req.amount,
        currency: req.currency,
      },
      'sandbox: pretending to send a B2C payout',
    );
    this.settleLater(attempt, req.amount, (outcome) => ({
      type: 'PAYOUT_RESULT',
      reference: req.reference,
      providerRef: attempt.providerRef,
      outcome,
    }));
    return { providerRef: attempt.providerRef };
  }

  async queryPayout(reference: string): Promise<ProviderOutcome> {
    return this.payouts.get(reference)?.outcome ?? { state: 'UNKNOWN' };
  }

  /** Stops pending settlements (shutdown, end of a test): they will never be delivered. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private settleLater(attempt: Attempt, amount: string, toEvent: (outcome: ProviderOutcome) => ProviderEvent): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      attempt.outcome = { state: 'SUCCEEDED', receipt: sandboxReceipt(), amount };
      this.opts.logger.info({ providerRef: attempt.providerRef, outcome: attempt.outcome }, 'sandbox: settled');
      // Like a real callback, nobody waits on the handler: a failure is logged, and reconciliation can still
      // learn the outcome from queryPayout.
      Promise.resolve()
        .then(() => this.opts.onEvent(toEvent(attempt.outcome)))
        .catch((err: unknown) =>
          this.opts.logger.error({ err, providerRef: attempt.providerRef }, 'sandbox: event handler failed'),
        );
    }, this.opts.settleMs);
    timer.unref();
    this.timers.add(timer);
  }
}

/** SBX + 7 characters: the length and alphabet of an M-Pesa receipt, and obviously not a real one. */
function sandboxReceipt(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return `SBX${Array.from(randomBytes(7), (b) => alphabet[b % alphabet.length]).join('')}`;
}
