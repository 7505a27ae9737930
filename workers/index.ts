import { Worker, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../src/config';
import type { Logger } from '../src/common/logger';
import type { Orm } from '../src/common/orm';
import { delay, withTimeout } from '../src/common/timeout';
import { createDomain, type DomainDeps } from '../src/domain';
import { QUEUES, type QueueName } from '../src/outbox/outbox';
import { housekeepingProcessor, scheduleHousekeeping } from './housekeeping.worker';
import { notificationProcessor } from './notification.worker';
import { relayOnce } from './outbox.relay';
import { paymentProcessor } from './payment.worker';
import { webhookProcessor } from './webhook.worker';
import { startPoller } from './poller';
import { throttled, type Queues } from './queues';

export interface WorkerParts {
  config: Config;
  logger: Logger;
  orm: Orm;
  domainDeps: DomainDeps;
  queues: Queues;
  /** A Redis connection for one worker, with maxRetriesPerRequest: null (BullMQ needs it; STACK.md, trap 4). */
  workerConnection(name: string): Redis;
}

const RELAY_BATCH = 100;

/**
 * The BullMQ workers, the outbox relay and the provider-inbox sweep. close() stops taking jobs and waits for the
 * active ones (BullMQ's graceful close); a job cut off by a crash is picked up again once its lock expires.
 */
export async function startWorkers({
  config,
  logger,
  orm,
  domainDeps,
  queues,
  workerConnection,
}: WorkerParts): Promise<{ close(graceMs?: number): Promise<void> }> {
  // Each job, sweep and relay pass works in a unit of work of its own: never the global EntityManager.
  const unitOfWork = () => createDomain(orm.em.fork(), domainDeps);
  const connections: Redis[] = [];
  const active = new Map<string, number>();
  // Counts the jobs in progress, so close() knows whether it is waiting for work or for a stuck connection.
  const counted =
    (name: string, processor: Processor): Processor =>
    async (job, token) => {
      active.set(name, (active.get(name) ?? 0) + 1);
      try {
        return await processor(job, token);
      } finally {
        active.set(name, (active.get(name) ?? 1) - 1);
      }
    };
  const worker = (name: QueueName, processor: Processor, concurrency: number) => {
    const connection = workerConnection(`worker:${name}`);
    connections.push(connection);
    const w = new Worker(name, counted(name, processor), {
      connection,
      prefix: config.REDIS_PREFIX,
      concurrency,
      lockDuration: config.JOB_LOCK_MS,
      stalledInterval: config.JOB_LOCK_MS,
      maxStalledCount: 2,
    });
    w.on('error', throttled(logger, `worker ${name}`));
    w.on('failed', (job, err) =>
      logger.warn(
        { queue: name, jobId: job?.id, attemptsMade: job?.attemptsMade, err: err.message },
        'job attempt failed',
      ),
    );
    return w;
  };
  const workers = [
    worker(QUEUES.payments, paymentProcessor(unitOfWork, logger), 4),
    worker(QUEUES.notifications, notificationProcessor(unitOfWork, domainDeps.sms, logger), 4),
    worker(QUEUES.housekeeping, housekeepingProcessor(unitOfWork, config, logger), 1),
    // Each job may hold a stream's lock through one POST (WEBHOOK_TIMEOUT_MS): a few at a time, each on one connection.
    worker(QUEUES.webhooks, webhookProcessor(unitOfWork, logger), 4),
  ];

  const relay = startPoller('outbox-relay', config.OUTBOX_POLL_MS, logger, async () =>
    (await relayOnce(orm, queues, logger, RELAY_BATCH)) >= RELAY_BATCH ? 'more' : 'idle',
  );
  // Callbacks acknowledged but not applied (a crash, or a reference not committed yet). Needs no Redis.
  const inbox = startPoller('provider-inbox', 1000, logger, async () => {
    for (const id of await unitOfWork().inbox.pending()) await unitOfWork().inbox.process(id);
    return 'idle';
  });
  // Re-upserted now and then: a Redis that lost its data gets its schedulers back.
  const schedule = () =>
    scheduleHousekeeping(queues.housekeeping, config).catch((err: Error) =>
      logger.warn({ err: err.message }, 'could not schedule housekeeping'),
    );
  void schedule();
  const rescheduler = setInterval(schedule, 5 * 60_000).unref();

  return {
    async close(graceMs = 10_000) {
      clearInterval(rescheduler);
      await Promise.all([relay.stop(), inbox.stop()]);
      await Promise.all(workers.map((w) => closeWorker(w, () => active.get(w.name) ?? 0, graceMs, logger)));
      // quit() waits for Redis to answer; after a cut close it may not: disconnect() does not wait.
      await Promise.all(
        connections.map((c) =>
          withTimeout(c.quit(), 500, () => undefined)
            .catch(() => undefined)
            .finally(() => c.disconnect()),
        ),
      );
    },
  };
}

/**
 * BullMQ's close, bounded, through its public API: pause(true) stops fetching without waiting; the active jobs
 * get graceMs to finish; then close(true) (force) stops the lock renewal and cuts the worker's connections.
 * Not the graceful close(): seen with BullMQ 6.7 after Redis restarted under it, it never returned (the blocking
 * connection comes back and the fetch loop never ends), and a close in progress cannot be forced any more.
 * Nothing is lost either way: a job cut off keeps its lock, expires, and is run again by the next worker, and
 * every job is idempotent.
 */
async function closeWorker(w: Worker, activeJobs: () => number, graceMs: number, logger: Logger): Promise<void> {
  const failed = (err: Error) => logger.warn({ worker: w.name, err: err.message }, 'worker close failed');
  await withTimeout(w.pause(true), 500, () => undefined).catch(failed);
  const started = Date.now();
  while (activeJobs() > 0 && Date.now() - started <= graceMs) await delay(50);
  if (activeJobs() > 0)
    logger.warn({ worker: w.name, activeJobs: activeJobs() }, 'worker did not close in time: connections cut');
  await withTimeout(w.close(true), 500, () => undefined).catch(failed);
}
