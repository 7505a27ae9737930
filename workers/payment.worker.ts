import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../src/common/logger';
import { RELEASE_WINDOW_JOB } from '../src/delivery/delivery.service';
import type { Domain } from '../src/domain';
import { DEADLINE_REFUND_JOB } from '../src/escrow/escrow.service';
import { PAYMENT_JOBS } from '../src/payment/payment.service';
import { ProviderRejectedError } from '../src/payment/payment.provider';
import { PayoutNotYet } from '../src/payment/payout.service';

/** The last try: BullMQ will not retry after this one fails. */
export const isLastAttempt = (job: Job) => job.attemptsMade + 1 >= (job.opts.attempts ?? 1);

/**
 * The payments queue: deposit, deposit-timeout, payout, release-window, deadline-refund. Job data carries ids only; every
 * decision is re-read from the database under a row lock, so a duplicated or replayed job changes nothing.
 */
export function paymentProcessor(unitOfWork: () => Domain, logger: Logger) {
  return async (job: Job): Promise<string> => {
    const domain = unitOfWork();
    const { paymentId, deliveryId, contractId } = job.data as {
      paymentId?: string;
      deliveryId?: string;
      contractId?: string;
    };
    try {
      switch (job.name) {
        case PAYMENT_JOBS.deposit:
          return await domain.deposits.start(need(paymentId));
        case PAYMENT_JOBS.depositTimeout:
          return (await domain.deposits.expire(need(paymentId))) ? 'timed out' : 'already settled';
        case PAYMENT_JOBS.payout:
          return await domain.payouts.executePayout(need(paymentId));
        case RELEASE_WINDOW_JOB: {
          const outcome = await domain.housekeeping.acceptAfterWindow(need(deliveryId));
          return outcome.changed ? 'accepted' : (outcome.notice ?? 'nothing to do');
        }
        case DEADLINE_REFUND_JOB: {
          const outcome = await domain.escrow.refundAfterGrace(need(contractId));
          return outcome.changed ? 'refund decided' : (outcome.notice ?? 'nothing to do');
        }
        default:
          throw new UnrecoverableError(`Unknown payments job ${job.name}`);
      }
    } catch (err) {
      // A refusal will not change on retry (the payment is already FAILED with the reason by then).
      if (err instanceof ProviderRejectedError) throw new UnrecoverableError(err.message);
      if (isLastAttempt(job)) await onLastFailure(domain, job, err as Error, paymentId, logger);
      throw err;
    }
  };
}

/**
 * Retries are exhausted. A deposit becomes FAILED (nothing was collected as far as we know; the buyer may
 * try again). A payout is never marked FAILED here, since the provider may have paid: it stays LOCKED,
 * support is alerted, and reconciliation keeps asking the provider.
 */
async function onLastFailure(
  domain: Domain,
  job: Job,
  err: Error,
  paymentId: string | undefined,
  logger: Logger,
): Promise<void> {
  logger.error({ jobId: job.id, job: job.name, err: err.message }, 'payments job out of retries');
  if (!paymentId) return;
  try {
    if (job.name === PAYMENT_JOBS.deposit)
      await domain.deposits.giveUp(paymentId, `Could not reach the payment provider: ${err.message}`);
    if (job.name === PAYMENT_JOBS.payout) {
      const why = err instanceof PayoutNotYet ? 'no answer from the provider yet' : err.message;
      await domain.payouts.alertStuck(paymentId, why);
    }
  } catch (inner) {
    logger.error(
      { jobId: job.id, err: (inner as Error).message },
      'could not record the final failure; reconciliation will',
    );
  }
}

function need(id: string | undefined): string {
  if (!id) throw new UnrecoverableError('Job data carries no id');
  return id;
}
