import type { Logger } from './logger';
import { withTimeout } from './timeout';

/**
 * Work started after an HTTP answer (processing a provider callback we have already acknowledged). Shutdown
 * drains it after the HTTP server and before the database closes; anything cut off stays in its inbox row.
 */
export class BackgroundTasks {
  private readonly tasks = new Set<Promise<void>>();

  constructor(private readonly logger: Logger) {}

  run(name: string, fn: () => Promise<unknown>): void {
    const task: Promise<void> = fn()
      .then(() => undefined)
      .catch((err: unknown) => this.logger.error({ err, task: name }, 'background task failed'))
      .finally(() => this.tasks.delete(task));
    this.tasks.add(task);
  }

  async drain(timeoutMs = 10_000): Promise<void> {
    await withTimeout(Promise.allSettled([...this.tasks]), timeoutMs, () => undefined);
  }
}
