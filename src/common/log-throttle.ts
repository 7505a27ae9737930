/**
 * Says when a repeated warning may be logged again: an outage (Redis away, a provider down) would otherwise
 * write the same line at every poll, job or request.
 */
export class LogThrottle {
  private last: number | null = null;

  /** At most once per `everyMs`; Infinity: once, until reset(). */
  constructor(private readonly everyMs = 60_000) {}

  /** True when the line may be logged now (and counts it as logged). */
  allow(now = Date.now()): boolean {
    if (this.last !== null && now - this.last < this.everyMs) return false;
    this.last = now;
    return true;
  }

  /** The trouble is over: the next allow() is true. Returns whether anything was logged since the last reset. */
  reset(): boolean {
    const logged = this.last !== null;
    this.last = null;
    return logged;
  }
}
