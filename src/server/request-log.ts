import type { Middleware } from 'koa';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../common/logger';

declare module 'koa' {
  interface DefaultState {
    requestId: string;
    log: Logger;
    /** Extra fields a route adds to its request log line (USSD: session, menu, masked phone). */
    logFields: Record<string, unknown>;
  }
}

/** One structured line per request, with a request id that is also returned to the caller. */
export function requestLog(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const incoming = ctx.get('x-request-id');
    const requestId = /^[\w.-]{8,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = logger.child({ requestId });
    ctx.state.logFields = {};
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.state.log.info(
        {
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(ms * 100) / 100,
          ...ctx.state.logFields,
        },
        'request',
      );
    }
  };
}
