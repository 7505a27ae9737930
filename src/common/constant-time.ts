import { timingSafeEqual } from 'node:crypto';

/** Compares secrets (tokens, keys, code hashes) without leaking through timing how much of them matched. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
