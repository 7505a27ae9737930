/**
 * A bound on how long to wait for a promise. Hand-written because p-timeout, the maintained package, is ESM-only
 * from version 6 and this project is CommonJS; its CommonJS versions (4.x) are no longer maintained.
 * The promise itself is not cancelled: callers that must stop work use AbortSignal or a flag of their own.
 */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** Rejects with a TimeoutError carrying `message` when `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T>;
/** Resolves with `fallback()` when `p` has not settled within `ms`. */
export function withTimeout<T, F>(p: Promise<T>, ms: number, fallback: () => F): Promise<T | F>;
export function withTimeout<T, F>(p: Promise<T>, ms: number, onTimeout: string | (() => F)): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<F>((resolve, reject) => {
    timer = setTimeout(() => {
      if (typeof onTimeout === 'string') reject(new TimeoutError(onTimeout));
      else resolve(onTimeout());
    }, ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Waits `ms`: for loops that poll a condition, not for tests (they wait for the condition itself). */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
