import type { Job, Queue } from 'bullmq';
import type { Config } from '../src/config';
import type { Logger } from '../src/common/logger';
import type { Domain } from '../src/domain';
import { cleanupSessions } from '../adapters/ussd/session.store';

export const HOUSEKEEPING_JOBS = {
  sessionCleanup: 'session-cleanup',
  contractExpiry: 'contract-expiry',
  reconcile: 'reconcile',
  deliveryDeadlines: 'delivery-deadlines',
} as const;

/** Job schedulers (upsert: idempotent, so every worker process may call it at start and now and then after). */
export async function scheduleHousekeeping(queue: Queue, config: Config): Promise<void> {
  const every = (seconds: number) => ({ every: Math.max(100, Math.round(seconds * 1000)) });
  await queue.upsertJobScheduler(HOUSEKEEPING_JOBS.sessionCleanup, every(config.SESSION_CLEANUP_EVERY_SECONDS), {
    name: HOUSEKEEPING_JOBS.sessionCleanup,
  });
  await queue.upsertJobScheduler(HOUSEKEEPING_JOBS.contractExpiry, every(config.RECONCILE_EVERY_SECONDS), {
    name: HOUSEKEEPING_JOBS.contractExpiry,
  });
  await queue.upsertJobScheduler(HOUSEKEEPING_JOBS.reconcile, every(config.RECONCILE_EVERY_SECONDS), {
    name: HOUSEKEEPING_JOBS.reconcile,
  });
  await queue.upsertJobScheduler(HOUSEKEEPING_JOBS.deliveryDeadlines, every(config.RECONCILE_EVERY_SECONDS), {
    name: HOUSEKEEPING_JOBS.deliveryDeadlines,
  });
}

export function housekeepingProcessor(unitOfWork: () => Domain, config: Config, logger: Logger) {
  return async (job: Job): Promise<string> => {
    switch (job.name) {
      case HOUSEKEEPING_JOBS.sessionCleanup: {
        const { em } = unitOfWork();
        const { closed, deleted } = await cleanupSessions(em, new Date(), config.USSD_SESSION_RETENTION_HOURS);
        return `${closed} sessions closed, ${deleted} deleted`;
      }
      case HOUSEKEEPING_JOBS.contractExpiry:
        return `${await unitOfWork().housekeeping.expireContracts()} contracts expired`;
      case HOUSEKEEPING_JOBS.reconcile:
        return reconcile(unitOfWork, config, logger);
      case HOUSEKEEPING_JOBS.deliveryDeadlines:
        return deliveryDeadlines(unitOfWork);
      default:
        return `unknown job ${job.name}: ignored`;
    }
  };
}

/**
 * The safety net under the jobs: whatever a lost job (a Redis that forgot its data, retries run out) or a lost
 * callback left behind is driven on by the same idempotent services: payouts with no result are asked about
 * (and sent when never sent), overdue deposits time out, overdue release windows are applied.
 */
async function reconcile(unitOfWork: () => Domain, config: Config, logger: Logger): Promise<string> {
  const hk = unitOfWork().housekeeping;
  const alertAfterMs = config.PAYOUT_ALERT_AFTER_MINUTES * 60_000;
  let payouts = 0;
  for (const { id, since } of await hk.payoutsToReconcile()) {
    const domain = unitOfWork();
    let step: string;
    try {
      step = await domain.payouts.executePayout(id);
    } catch (err) {
      step = (err as Error).message;
    }
    payouts++;
    const unresolved = step !== 'finished' && step !== 'settled' && step !== 'sent';
    if (unresolved && Date.now() - since.getTime() > alertAfterMs)
      await domain.payouts.alertStuck(id, `unresolved since ${since.toISOString()}`);
  }
  let deposits = 0;
  for (const id of await hk.overdueDeposits()) if (await unitOfWork().deposits.expire(id)) deposits++;
  let releases = 0;
  for (const id of await hk.overdueReleaseWindows())
    if ((await unitOfWork().housekeeping.acceptAfterWindow(id)).changed) releases++;
  await hk.prune();
  if (payouts + deposits + releases) logger.info({ payouts, deposits, releases }, 'reconciliation pass');
  return `${payouts} payouts checked, ${deposits} deposits timed out, ${releases} release windows applied`;
}

/**
 * Delivery deadlines (issue 11): contracts whose deadline passed are told about once (which schedules the refund job
 * at the end of the grace period); contracts whose grace is over are refunded here too, should that job be lost.
 */
async function deliveryDeadlines(unitOfWork: () => Domain): Promise<string> {
  let noticed = 0;
  for (const id of await unitOfWork().escrow.passedDeadlines())
    if (await unitOfWork().escrow.noticeDeadline(id)) noticed++;
  let refunded = 0;
  for (const id of await unitOfWork().escrow.refundsDue())
    if ((await unitOfWork().escrow.refundAfterGrace(id)).changed) refunded++;
  return `${noticed} deadlines passed, ${refunded} refunds decided`;
}
