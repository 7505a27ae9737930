import type { Logger } from '../../src/common/logger';
import { maskPhone } from '../../src/common/phone';
import type {
  DepositRequest,
  DepositStarted,
  PaymentProvider,
  PayoutRequest,
  PayoutStarted,
  ProviderOutcome,
} from '../../src/payment/payment.provider';
import type { MpesaClient } from './mpesa.client';

/**
 * Money through Safaricom Daraja. Results arrive later at the callback URLs (see mpesa.callbacks.ts).
 *
 * Idempotency: neither STK push nor B2C is idempotent at Safaricom. Within this process a repeated call with the same
 * reference joins the call in flight or gets the earlier answer, so a double-click or an overlapping job retry costs
 * nothing. Across processes the payments table is the guard. A ProviderUnavailableError from startPayout does NOT
 * mean no money moved (the request may have reached Safaricom before the timeout): before sending again, the caller
 * should queryPayout(reference) and wait for its result, because our reference is the B2C OriginatorConversationID.
 */
export class MpesaProvider implements PaymentProvider {
  readonly name = 'mpesa' as const;
  private readonly deposits = new RecentCalls<DepositStarted>();
  private readonly payouts = new RecentCalls<PayoutStarted>();

  constructor(
    private readonly client: MpesaClient,
    private readonly logger: Logger,
  ) {}

  startDeposit(req: DepositRequest): Promise<DepositStarted> {
    return this.deposits.once(req.paymentId, async () => {
      const { checkoutRequestId } = await this.client.stkPush({
        phone: req.phone,
        amount: req.amount,
        currency: req.currency,
        accountReference: req.accountReference,
        description: req.description,
      });
      this.logger.info(
        { paymentId: req.paymentId, checkoutRequestId, to: maskPhone(req.phone), amount: req.amount },
        'M-Pesa STK push sent',
      );
      return { providerRef: checkoutRequestId };
    });
  }

  startPayout(req: PayoutRequest): Promise<PayoutStarted> {
    return this.payouts.once(req.reference, async () => {
      const { conversationId } = await this.client.b2cPayment({
        originatorConversationId: req.reference,
        phone: req.phone,
        amount: req.amount,
        currency: req.currency,
        remarks: req.remarks,
        occasion: req.kind,
      });
      this.logger.info(
        { reference: req.reference, conversationId, kind: req.kind, to: maskPhone(req.phone), amount: req.amount },
        'M-Pesa B2C sent',
      );
      return { providerRef: conversationId };
    });
  }

  /**
   * Daraja answers status queries asynchronously: this sends the query (by our reference, the B2C
   * OriginatorConversationID, so it works even when the B2C request itself timed out and we never got a
   * ConversationID) and returns PENDING. The answer arrives at the status/result callback as a PAYOUT_RESULT event
   * for this reference. Occasion carries the reference too, so the answer can be matched even if M-Pesa omits it.
   */
  async queryPayout(reference: string, providerRef: string | null): Promise<ProviderOutcome> {
    const { conversationId } = await this.client.transactionStatus({
      originalConversationId: reference,
      remarks: 'Payout reconciliation',
      occasion: reference,
    });
    this.logger.info(
      { reference, providerRef, queryConversationId: conversationId },
      'M-Pesa transaction status query sent',
    );
    return { state: 'PENDING' };
  }
}

/** Remembers calls by reference: joins one in flight, replays one that succeeded; a failure is forgotten so a retry can go. */
class RecentCalls<T> {
  private readonly calls = new Map<string, Promise<T>>();

  constructor(private readonly max = 1000) {}

  once(reference: string, start: () => Promise<T>): Promise<T> {
    const known = this.calls.get(reference);
    if (known) return known;
    const call = start();
    this.calls.set(reference, call);
    call.catch(() => this.calls.delete(reference));
    if (this.calls.size > this.max) this.calls.delete(this.calls.keys().next().value!);
    return call;
  }
}
