import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/common/logger';
import { LogThrottle } from '../../src/common/log-throttle';
import { withTimeout } from '../../src/common/timeout';
import type { UssdMetrics } from './ussd.metrics';

/** Redis must answer within this, or the request goes on unlimited (see below). */
const STORE_TIMEOUT_MS = 200;

/**
 * USSD_RATE_LIMIT_PER_MINUTE requests per phone per minute (0: off), counted in Redis so every instance
 * shares the count.
 *
 * Fails open: when Redis is down or slow the request is answered unlimited, and counted in
 * ussd_errors_total{kind="rate_limit_store"}. The limit protects us from a runaway handset or gateway; it
 * guards no money (replays are stopped by the session row lock and the domain's own transitions) and only
 * Africa's Talking can reach the webhook (allow-list). Failing closed would lock every farmer out of the
 * menu for as long as Redis is away, which is the worse outage.
 */
export class PhoneRateLimiter {
  private readonly limiter: RateLimiterRedis | null;
  private readonly warnings = new LogThrottle();

  constructor(
    redis: Redis,
    config: Config,
    private readonly logger: Logger,
    private readonly metrics: UssdMetrics,
  ) {
    this.limiter =
      config.USSD_RATE_LIMIT_PER_MINUTE > 0
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `${config.REDIS_PREFIX}:ussd-rate`,
            points: config.USSD_RATE_LIMIT_PER_MINUTE,
            duration: 60,
            rejectIfRedisNotReady: true, // the app's client has no offline queue: do not wait for a reconnect
          })
        : null;
  }

  /** True when this phone may be answered now. */
  async allow(phone: string): Promise<boolean> {
    if (!this.limiter) return true;
    try {
      await withTimeout(
        this.limiter.consume(phone),
        STORE_TIMEOUT_MS,
        `rate-limit store gave no answer in ${STORE_TIMEOUT_MS} ms`,
      );
      return true;
    } catch (err) {
      if (err instanceof RateLimiterRes) return false;
      this.metrics.errors.inc({ kind: 'rate_limit_store' });
      if (this.warnings.allow())
        this.logger.warn({ err: (err as Error).message }, 'USSD rate limit unavailable: answering without it');
      return true;
    }
  }
}
