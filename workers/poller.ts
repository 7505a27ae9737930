import type { Logger } from '../src/common/logger';
import { LogThrottle } from '../src/common/log-throttle';

/**
 * Runs `pass` again and again: at once when the last pass was full (more work is waiting), after `intervalMs`
 * otherwise. A failing pass is logged (throttled) and retried on the next tick. stop() waits for a pass in progress.
 */
export function startPoller(name: string, intervalMs: number, logger: Logger, pass: () => Promise<'more' | 'idle'>) {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const errors = new LogThrottle();

  const tick = () => {
    timer = null;
    running = pass()
      .catch((err: unknown) => {
        if (errors.allow()) logger.warn({ err: (err as Error).message, poller: name }, 'poller pass failed');
        return 'idle' as const;
      })
      .then((state) => {
        running = null;
        if (!stopped) timer = setTimeout(tick, state === 'more' ? 0 : intervalMs);
      });
  };
  timer = setTimeout(tick, 0);

  return {
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
