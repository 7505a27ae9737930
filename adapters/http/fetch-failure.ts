/** Why a fetch() to a provider (M-Pesa, Africa's Talking) got no answer, in words for logs and job errors. */
export function fetchFailureReason(err: unknown, timeoutMs: number): string {
  return isTimeout(err) ? `no answer within ${timeoutMs} ms` : networkReason(err);
}

/** By name, not instanceof: the DOMException from AbortSignal.timeout may come from another realm (jest's vm). */
function isTimeout(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'TimeoutError';
}

/** Undici hides the useful part (ECONNREFUSED, ENOTFOUND...) in the cause. Duck-typed for the same realm reason. */
function networkReason(err: unknown): string {
  const e = err as { message?: unknown; cause?: { code?: unknown; message?: unknown } } | null;
  return String(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? err);
}
