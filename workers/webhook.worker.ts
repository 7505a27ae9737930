import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../src/common/logger';
import type { Domain } from '../src/domain';
import { WEBHOOK_JOBS } from '../src/webhook/webhook.events';

interface WebhookJobData {
  eventId?: string;
  endpointId?: string;
  contractId?: string;
  deliveryId?: string;
}

/**
 * The webhooks queue: `event` (a new event: a `pump` for each endpoint that hears it), `pump` (an endpoint's stream
 * of one contract moves on; a retry is a delayed pump), `redeliver` (one more send on request). A partner's failing server is not a job failure: attempts
 * and back-off are recorded by the delivery service. A job throws only when our side fails (the database), and
 * BullMQ retries it then.
 */
export function webhookProcessor(unitOfWork: () => Domain, logger: Logger) {
  return async (job: Job<WebhookJobData>): Promise<string> => {
    const d = job.data;
    const deliveries = unitOfWork().webhookDeliveries;
    switch (job.name) {
      case WEBHOOK_JOBS.event:
        return `endpoints: ${await deliveries.fanOut(need(d.eventId))}`;
      case WEBHOOK_JOBS.pump:
        await deliveries.pump(need(d.endpointId), need(d.contractId), d.deliveryId);
        return 'pumped';
      case WEBHOOK_JOBS.redeliver:
        await deliveries.redeliver(need(d.endpointId), need(d.eventId));
        return 'redelivered';
      default:
        logger.error({ job: job.name }, 'unknown webhook job');
        throw new UnrecoverableError(`unknown webhook job ${job.name}`);
    }
  };
}

function need(value: string | undefined): string {
  if (!value) throw new UnrecoverableError('webhook job without the id it needs');
  return value;
}
