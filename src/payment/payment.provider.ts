/**
 * The port through which money moves. Implementations live in adapters/: M-Pesa Daraja and the sandbox.
 * Every call carries our own idempotency reference so that a retry never moves money twice:
 * implementations must return the earlier result when asked again with the same reference.
 */
export interface DepositRequest {
  /** Our payment id: the idempotency reference. */
  paymentId: string;
  phone: string; // E.164 payer
  amount: string; // decimal string, whole shillings for M-Pesa
  currency: string;
  accountReference: string; // the contract code, shown to the payer
  description: string;
}

export interface DepositStarted {
  /** Provider's reference (M-Pesa CheckoutRequestID); the result arrives later by callback. */
  providerRef: string;
}

export interface PayoutRequest {
  /** Our idempotency reference (payout ref, used as OriginatorConversationID). */
  reference: string;
  paymentId: string;
  kind: 'RELEASE' | 'REFUND';
  phone: string; // E.164 payee
  amount: string;
  currency: string;
  remarks: string;
}

export interface PayoutStarted {
  providerRef: string;
}

export type ProviderOutcome =
  | { state: 'SUCCEEDED'; receipt: string; amount?: string }
  | { state: 'FAILED'; reason: string }
  | { state: 'PENDING' }
  | { state: 'UNKNOWN' };

export interface PaymentProvider {
  readonly name: 'mpesa' | 'sandbox';
  startDeposit(req: DepositRequest): Promise<DepositStarted>;
  startPayout(req: PayoutRequest): Promise<PayoutStarted>;
  /** Reconciliation: ask the provider what became of a payout whose result never came. */
  queryPayout(reference: string, providerRef: string | null): Promise<ProviderOutcome>;
}

/** A business refusal (bad amount, invalid number): retrying will not help. */
export class ProviderRejectedError extends Error {
  readonly retryable = false;
}
/** A transport failure or 5xx: retry with back-off. */
export class ProviderUnavailableError extends Error {
  readonly retryable = true;
}
/**
 * The request may have reached the provider and been carried out (it timed out after being sent, or the answer
 * could not be read). A deposit in doubt is never pushed again (the buyer was perhaps prompted); a payout in doubt is
 * asked about before anything is sent again.
 */
export class ProviderInDoubtError extends ProviderUnavailableError {}

/**
 * What a provider tells us asynchronously (an M-Pesa callback, or the sandbox settling by itself).
 * Both go through PaymentService.applyProviderEvent: one code path, processed at most once.
 */
export type ProviderEvent =
  | {
      type: 'DEPOSIT_RESULT';
      providerRef: string;
      outcome: ProviderOutcome;
      /** The payer's phone (E.164) as the provider reports it: matches a deposit whose request is in doubt. */
      payer?: string;
    }
  | { type: 'PAYOUT_RESULT'; reference: string | null; providerRef: string | null; outcome: ProviderOutcome };

export type ProviderEventHandler = (event: ProviderEvent) => Promise<void>;

/** Units of work built without a provider (the partner CLI, some tests) must not reach money-moving code. */
export function requireProvider(provider: PaymentProvider | undefined): PaymentProvider {
  if (!provider) throw new Error('No payment provider configured for this unit of work');
  return provider;
}
