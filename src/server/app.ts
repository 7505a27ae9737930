import Router from '@koa/router';
import Koa from 'koa';
import { Registry } from 'prom-client';
import type { ApolloServer } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Redis } from 'ioredis';
import type { GraphQLContext } from '../../schema/context';
import type { Config } from '../config';
import type { Logger } from '../common/logger';
import type { Orm } from './db';
import type { DomainDeps } from '../domain';
import { simulatorRoutes } from '../../adapters/simulator/simulator.routes';
import { ussdRoutes } from '../../adapters/ussd/ussd.routes';
import { smsInboundRoutes } from '../../adapters/sms/sms-inbound.routes';
import { demoPhones } from '../demo/demo.seed';
import { requireAdminKey } from './admin-auth';
import { graphqlRoute } from './graphql.route';
import { healthRoute } from './health.route';
import { metricsRoute } from './metrics.route';
import { requestLog } from './request-log';
import { jobDashboard } from './job-dashboard';
import { sqlStatementsMetric } from './sql-statements';
import { mpesaCallbackRoutes } from '../../adapters/payments/mpesa-callback.routes';
import type { ProviderEventSink } from '../../adapters/payments/provider-events';
import type { Queue } from 'bullmq';

export interface AppParts {
  config: Config;
  logger: Logger;
  orm: Orm;
  redis: Redis;
  apollo: ApolloServer<GraphQLContext>;
  /** The built schema: the USSD adapter runs its operations on it in-process. */
  schema: GraphQLSchema;
  domainDeps: DomainDeps;
  /** Issue 4: the queues shown by the job dashboard, and where provider callbacks go. */
  queues: Queue[];
  providerEvents: ProviderEventSink;
}

/** Every HTTP route, in one place. */
export async function createApp(parts: AppParts): Promise<Koa> {
  const { config, logger, orm, redis, apollo, schema, domainDeps, queues, providerEvents } = parts;
  // maxIpsCount keeps ctx.ip on the same entry as callerAddress (adapters/http/allow-list.ts), which decides.
  const app = new Koa({ proxy: config.TRUST_PROXY, maxIpsCount: config.TRUSTED_PROXY_HOPS });
  app.silent = true; // errors are logged by the boundary below, once, without leaking to the caller
  app.use(requestLog(logger));
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const status = (err as { status?: number }).status ?? 500;
      if (status >= 500) ctx.state.log.error({ err }, 'unhandled error');
      ctx.status = status;
      ctx.body = status >= 500 ? 'Internal server error' : (err as Error).message;
    }
  });

  const router = new Router();
  healthRoute(router, orm, redis);
  await graphqlRoute(router, apollo, orm, domainDeps);
  const registry = new Registry(); // per app, not prom-client's global one: several apps share a test process
  if (config.SQL_STATEMENT_COUNT) sqlStatementsMetric(registry);
  // The USSD webhook is the hot path: its own router, before the dashboard and simulator routing.
  const ussd = new Router();
  ussdRoutes(ussd, { config, logger, orm, redis, schema, domainDeps, registry });
  app.use(ussd.routes()).use(ussd.allowedMethods());
  smsInboundRoutes(router, config, orm, domainDeps);
  metricsRoute(router, registry, config.ADMIN_API_KEY);
  mpesaCallbackRoutes(router, config, logger, providerEvents);
  app.use(jobDashboard(queues, config.ADMIN_API_KEY));

  // The phone simulator: open in development, an operator's tool (admin key) in production.
  const simulator = simulatorRoutes({ demoPhones: () => demoPhones(orm) });
  if (config.NODE_ENV === 'production') {
    const guard = requireAdminKey(config.ADMIN_API_KEY);
    app.use((ctx, next) =>
      ctx.path === '/simulator' || ctx.path.startsWith('/simulator/') ? guard(ctx, next) : next(),
    );
  }
  app.use(simulator.routes()).use(simulator.allowedMethods());

  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
