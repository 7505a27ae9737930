import type { Orm } from '../src/common/orm';
import type { Logger } from '../src/common/logger';
import { LogThrottle } from '../src/common/log-throttle';
import { withTimeout } from '../src/common/timeout';
import type { Queues } from './queues';

interface OutboxRow {
  id: string;
  queue: string;
  name: string;
  job_id: string;
  data: Record<string, unknown>;
  delay_ms: number;
  created_at: Date;
}

const ADD_TIMEOUT_MS = 3000;
const warnings = new LogThrottle(); // an outage would otherwise log at every poll

/**
 * Moves committed outbox rows into BullMQ, oldest first. Rows are claimed with FOR UPDATE SKIP LOCKED, so
 * several relays (one per worker process) share the work without relaying a row twice at the same time, and
 * the job id is the row's deterministic id, so a row relayed twice (a crash between add and commit) is one job.
 * When Redis is away the pass stops at the first failed add and commits what went through: the rest waits.
 */
export async function relayOnce(orm: Orm, queues: Queues, logger: Logger, batch = 100): Promise<number> {
  return orm.em.fork().transactional(async (em) => {
    const rows: OutboxRow[] = await em.execute(
      `select id, queue, name, job_id, data, delay_ms, created_at from outbox_messages
       where relayed_at is null order by id limit ? for update skip locked`,
      [batch],
    );
    const relayed: string[] = [];
    for (const row of rows) {
      const queue = queues.byName(row.queue);
      if (!queue) {
        logger.error({ outboxId: row.id, queue: row.queue }, 'outbox row names an unknown queue; left in place');
        continue;
      }
      // A delay counts from the decision, not from the relay: a window decided during an outage is not extended.
      const delay = Math.max(0, new Date(row.created_at).getTime() + row.delay_ms - Date.now());
      try {
        await withTimeout(
          queue.add(row.name, row.data, { jobId: row.job_id, delay }),
          ADD_TIMEOUT_MS,
          `no answer from Redis within ${ADD_TIMEOUT_MS} ms`,
        );
        relayed.push(row.id);
      } catch (err) {
        if (warnings.allow())
          logger.warn(
            { err: (err as Error).message, outboxId: row.id },
            'outbox relay paused: queue unavailable; rows wait in the outbox',
          );
        break;
      }
    }
    if (relayed.length)
      await em.execute(
        `update outbox_messages set relayed_at = now() where id in (${relayed.map(() => '?').join(', ')})`,
        relayed,
        'run',
      );
    return relayed.length;
  });
}
