import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config';

/**
 * Wrong login codes per phone and per caller address over LOGIN_GUESS_WINDOW_SECONDS, counted in Redis so every
 * instance shares them. The per-code counter in PostgreSQL stops one code after five; this stops a guesser who asks
 * for codes again and again, or tries many phones from one address.
 * While Redis is away the counts fall back to this process's memory (rate-limiter-flexible's insurance limiter):
 * still limited, only not shared.
 */
export class LoginGuessLimiter {
  private readonly perPhone: RateLimiterAbstract;
  private readonly perAddress: RateLimiterAbstract;

  constructor(redis: Redis, config: Config) {
    const make = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${config.REDIS_PREFIX}:${name}`,
        points,
        duration: config.LOGIN_GUESS_WINDOW_SECONDS,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration: config.LOGIN_GUESS_WINDOW_SECONDS }),
      });
    this.perPhone = make('login-guess-phone', config.LOGIN_GUESSES_PER_PHONE);
    this.perAddress = make('login-guess-address', config.LOGIN_GUESSES_PER_ADDRESS);
  }

  /** True when this phone, from this address, has wrong guesses left. */
  async mayGuess(phone: string, address: string | undefined): Promise<boolean> {
    const checks: Array<[RateLimiterAbstract, string]> = [[this.perPhone, phone]];
    if (address) checks.push([this.perAddress, address]);
    for (const [limiter, key] of checks) {
      const used = await limiter.get(key);
      if (used && used.consumedPoints >= limiter.points) return false;
    }
    return true;
  }

  /** Counts one wrong guess against the phone and the address. */
  async failed(phone: string, address: string | undefined): Promise<void> {
    // Over the limit, consume rejects with the limiter's answer: the failure is counted all the same.
    await this.perPhone.consume(phone).catch(() => undefined);
    if (address) await this.perAddress.consume(address).catch(() => undefined);
  }
}
