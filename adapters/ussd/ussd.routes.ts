import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { GraphQLSchema } from 'graphql';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/common/logger';
import type { Orm } from '../../src/common/orm';
import type { DomainDeps } from '../../src/domain';
import { depthRule, knownRootTypeRule } from '../../schema/guards';
import { maskPhone } from '../../src/common/phone';
import { createEngine } from './menus';
import { SessionCache } from './session.cache';
import { SessionStore } from './session.store';
import { UssdOperations } from './ussd.graphql';
import { HopRunner, SessionOwnerError, type HopOutcome } from './ussd.hop';
import { PhoneRateLimiter } from './ussd.limiter';
import { createUssdMetrics } from './ussd.metrics';
import { endScreen, render } from './ussd.renderer';
import { allowList, callerAddress, isAllowed } from '../http/allow-list';
import { formBody } from '../http/form-body';
import { parseEventFields, parseHopFields } from './ussd.request';
import { TEXTS } from './ussd.texts';

/** The language is not known before the session is read; this screen must not wait for the database. */
const RATE_LIMITED = render(endScreen(`${TEXTS.EN.rateLimited}\n${TEXTS.SW.rateLimited}`));

export interface UssdRouteDeps {
  config: Config;
  logger: Logger;
  orm: Orm;
  /** Rate limits. */
  redis: Redis;
  /** The built schema the menus' operations run on (in-process, without Apollo's HTTP pipeline). */
  schema: GraphQLSchema;
  domainDeps: DomainDeps;
  /** Where the adapter's metrics are registered (the composition root serves them at GET /metrics). */
  registry: Registry;
}

/**
 * Africa's Talking's USSD webhook (POST /api/v1/ussd/, with or without the slash) and its end-of-session
 * notification (POST /api/v1/ussd/events). Transport only: screens are the menus', hops are ussd.hop.ts's.
 */
export function ussdRoutes(router: Router, deps: UssdRouteDeps): void {
  const { config, logger, orm, redis, schema, domainDeps, registry } = deps;
  const metrics = createUssdMetrics(registry);
  const allowed = allowList('USSD_ALLOWED_IPS', config.USSD_ALLOWED_IPS);
  const limiter = new PhoneRateLimiter(redis, config, logger, metrics);
  const store = new SessionStore(config.USSD_SESSION_TTL_SECONDS, config.USSD_RESUME_AFTER_SILENCE_SECONDS);
  const operations = new UssdOperations(schema, logger, [depthRule(config.GRAPHQL_MAX_DEPTH), knownRootTypeRule]);
  const cache = new SessionCache(config.USSD_SESSION_TTL_SECONDS);
  const hops = new HopRunner({ config, logger, orm, operations, domainDeps, store, cache, engine: createEngine() });
  // AT's fields are short; 8 KB leaves room for a long odd `text`, which is only an invalid selection.
  const form = formBody('8kb');

  const plain = (ctx: Context, status: number, body: string) => {
    ctx.status = status;
    ctx.type = 'text/plain';
    ctx.body = body;
  };

  const onlyAfricasTalking: Middleware = async (ctx, next) => {
    const address = callerAddress(ctx, config);
    if (isAllowed(allowed, address)) return next();
    ctx.state.logFields.refused = address;
    metrics.requests.inc({ screen: 'none', outcome: 'forbidden' });
    plain(ctx, 403, 'Forbidden');
  };

  const webhook: Middleware = async (ctx) => {
    const started = process.hrtime.bigint();
    const parsed = parseHopFields(ctx.request.body, config.DEFAULT_COUNTRY);
    if (!parsed.ok) {
      metrics.requests.inc({ screen: 'none', outcome: 'rejected' });
      return plain(ctx, 400, parsed.message);
    }
    const { sessionId, phone, text } = parsed.value;
    // The input path is logged as the hop masked it (a PIN typed on a PIN screen never reaches a log line).
    const fields: Record<string, unknown> = { session: sessionId, phone: maskPhone(phone) };
    ctx.state.logFields = fields;
    let outcome: HopOutcome | 'rate_limited' | 'rejected' = 'error';
    let screen = 'none';
    try {
      if (!(await limiter.allow(phone))) {
        outcome = 'rate_limited';
        return plain(ctx, 200, RATE_LIMITED);
      }
      const answer = await hops.answer({ sessionId, phone, text }, ctx.state.log);
      outcome = answer.outcome;
      screen = answer.menu;
      // Beside the HTTP path (the request line's own `path`), never over it.
      if (answer.path !== undefined) fields.input = answer.path.slice(0, 64);
      if (answer.session) Object.assign(fields, { sessionMs: answer.session.durationMs, hops: answer.session.hops });
      plain(ctx, 200, answer.text);
    } catch (err) {
      if (err instanceof SessionOwnerError) {
        outcome = 'rejected';
        return plain(ctx, 400, err.message);
      }
      // Never a 5xx: AT would show its own error screen. The hop catches its faults; this is the last net.
      ctx.state.log.error({ err }, 'USSD webhook failed');
      plain(ctx, 200, render(endScreen(TEXTS.EN.unavailable)));
    } finally {
      Object.assign(fields, { menu: screen, outcome });
      metrics.requests.inc({ screen, outcome });
      metrics.latency.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      if (outcome === 'error' || outcome === 'timeout') metrics.errors.inc({ kind: outcome });
    }
  };

  const events: Middleware = async (ctx) => {
    const parsed = parseEventFields(ctx.request.body);
    if (!parsed.ok) return plain(ctx, 400, parsed.message);
    const e = parsed.value;
    try {
      cache.forget(e.sessionId);
      const ended = await store.end(orm.em, e.sessionId, e);
      metrics.sessionsEnded.inc({ status: e.status });
      ctx.state.logFields = {
        session: e.sessionId,
        endStatus: e.status,
        known: Boolean(ended),
        ...(ended
          ? {
              phone: maskPhone(ended.phone),
              menu: ended.menu,
              hops: ended.hops,
              sessionMs: Date.now() - new Date(ended.createdAt).getTime(),
            }
          : {}),
        ...(e.durationMs !== null ? { atDurationMs: e.durationMs } : {}),
        ...(e.hops !== null ? { atHops: e.hops } : {}),
      };
      plain(ctx, 200, 'OK');
    } catch (err) {
      // AT retries a notification it could not deliver; a 5xx here only asks for that.
      ctx.state.log.error({ err }, 'USSD end-of-session notification failed');
      metrics.errors.inc({ kind: 'events' });
      plain(ctx, 503, 'Try again');
    }
  };

  router.post('/api/v1/ussd/events', onlyAfricasTalking, form, events);
  router.post('/api/v1/ussd', onlyAfricasTalking, form, webhook);
  router.post('/api/v1/ussd/', onlyAfricasTalking, form, webhook);
}
