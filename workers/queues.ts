import { Queue, type DefaultJobOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../src/config';
import type { Logger } from '../src/common/logger';
import { LogThrottle } from '../src/common/log-throttle';
import { QUEUES, type QueueName } from '../src/outbox/outbox';

export interface Queues {
  payments: Queue;
  notifications: Queue;
  housekeeping: Queue;
  webhooks: Queue;
  all: Queue[];
  byName(name: string): Queue | undefined;
  close(): Promise<void>;
}

const DAY_S = 86_400;

/** Retries back off exponentially; finished jobs are kept for a while (the dashboard shows them), then trimmed. */
function jobOptions(config: Config, queue: QueueName): DefaultJobOptions {
  const keep = { removeOnComplete: { count: 1000, age: 7 * DAY_S }, removeOnFail: { count: 5000, age: 30 * DAY_S } };
  // A housekeeping run that fails is simply run again by its scheduler.
  if (queue === QUEUES.housekeeping)
    return { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } };
  return { attempts: config.JOB_ATTEMPTS, backoff: { type: 'exponential', delay: config.JOB_BACKOFF_MS }, ...keep };
}

/**
 * Producer-side queues (the outbox relay, the scheduler set-up, the dashboard). Their connection fails fast
 * when Redis is away, so the relay leaves its rows for the next pass instead of hanging.
 */
export function createQueues(connection: Redis, config: Config, logger: Logger): Queues {
  const make = (name: QueueName) => {
    const queue = new Queue(name, {
      connection,
      prefix: config.REDIS_PREFIX,
      defaultJobOptions: jobOptions(config, name),
    });
    queue.on('error', throttled(logger, `queue ${name}`));
    return queue;
  };
  const payments = make(QUEUES.payments);
  const notifications = make(QUEUES.notifications);
  const housekeeping = make(QUEUES.housekeeping);
  const webhooks = make(QUEUES.webhooks);
  const all = [payments, notifications, housekeeping, webhooks];
  return {
    payments,
    notifications,
    housekeeping,
    webhooks,
    all,
    byName: (name) => all.find((q) => q.name === name),
    close: async () => {
      await Promise.all(all.map((q) => q.close().catch(() => undefined)));
    },
  };
}

/** An error listener that logs once a minute at most: a Redis outage would otherwise fill the log. */
export function throttled(logger: Logger, what: string, everyMs = 60_000): (err: Error) => void {
  const throttle = new LogThrottle(everyMs);
  return (err) => {
    if (throttle.allow()) logger.warn({ err: err.message, what }, 'job system error');
  };
}
