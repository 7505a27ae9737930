import coBody from 'co-body';
import type { Middleware } from 'koa';

/**
 * A flat form body (Africa's Talking's webhooks) into ctx.request.body. co-body reads it (size limit, charset,
 * gzip); the fields are split by URLSearchParams rather than qs, whose nesting (`a[b]=c`) AT never sends and
 * which cost the USSD hop more CPU than the rest of its HTTP handling. A field sent twice is an array, as qs
 * gives it, so the handlers still refuse it as not a single value. Another content type leaves the body empty.
 */
export function formBody(limit: string): Middleware {
  const qs = { parse: flatFields };
  return async (ctx, next) => {
    ctx.request.body = ctx.request.is('application/x-www-form-urlencoded')
      ? await coBody.form(ctx, { limit, qs } as coBody.Options)
      : {};
    return next();
  };
}

function flatFields(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [k, v] of new URLSearchParams(text)) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}
