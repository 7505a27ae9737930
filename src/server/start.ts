import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildVoicePactSchema } from '../../schema/build';
import { createApolloServer } from '../../schema/server';
import { createApp } from './app';
import type { Config } from '../config';
import type { Logger } from '../common/logger';
import { openDatabase, openSeparatePool } from './db';
import { provideLocalServices, type LocalServices } from './local-services';
import type { DomainDeps } from '../domain';
import { createRedis } from './redis';
import { LoginGuessLimiter } from '../auth/login-guesses';
import { BackgroundTasks } from '../common/background';
import { createPaymentProvider } from '../../adapters/payments/provider.factory';
import { providerEventSink } from '../../adapters/payments/provider-events';
import { createSmsSender } from '../../adapters/sms/sms.factory';
import { startWorkers } from '../../workers';
import { createQueues } from '../../workers/queues';

export type Role = 'all' | 'api' | 'worker';

/**
 * Start-up, in order: on a bare laptop the local services (embedded PostgreSQL, redis-server), database (migrated),
 * Redis, providers and queues, schema and Apollo, HTTP, workers.
 */
export async function start(givenConfig: Config, logger: Logger, role: Role = 'all') {
  // A bare laptop: the embedded PostgreSQL and a local redis-server where nothing answers (development only).
  const local = await provideLocalServices(givenConfig, logger);
  try {
    return await startOn(local, logger, role);
  } catch (err) {
    // A failed start leaves nothing running behind it.
    await local.stop().catch((e) => logger.error({ err: e }, 'stopping the local services failed'));
    throw err;
  }
}

async function startOn(local: LocalServices, logger: Logger, role: Role) {
  const config = local.config;
  const orm = await openDatabase(config.DATABASE_URL, logger);
  const separatePool = await openSeparatePool(config.DATABASE_URL);
  const redis = createRedis(config.REDIS_URL, 'app', logger);
  const sms = createSmsSender(config, logger);
  // Provider events (sandbox settlements, M-Pesa callbacks) are applied after the answer: drained at shutdown.
  const background = new BackgroundTasks(logger);
  const providerEvents = providerEventSink(orm, () => domainDeps, background);
  const provider = createPaymentProvider(config, logger, (event) =>
    providerEvents.receive('sandbox', event, event).then(() => undefined),
  );
  const loginGuesses = new LoginGuessLimiter(redis, config);
  const domainDeps: DomainDeps = {
    config,
    logger,
    sms,
    provider,
    loginGuesses,
    separateEm: () => separatePool.em.fork(),
  };
  // Producer side of BullMQ (outbox relay, schedulers, dashboard): fails fast while Redis is away.
  const queueConnection = createRedis(config.REDIS_URL, 'queues', logger);
  const queues = createQueues(queueConnection, config, logger);
  const workerConnection = (name: string) => createRedis(config.REDIS_URL, name, logger, 'worker');

  const schema = buildVoicePactSchema();
  const apollo = createApolloServer(schema, config, logger);
  await apollo.start();

  let server: http.Server | null = null;
  if (role !== 'worker') {
    const app = await createApp({
      config,
      logger,
      orm,
      redis,
      apollo,
      schema,
      domainDeps,
      queues: queues.all,
      providerEvents,
    });
    server = http.createServer(app.callback());
    server.keepAliveTimeout = 65_000; // longer than a load balancer's idle timeout
    await new Promise<void>((resolve, reject) =>
      server!.once('error', reject).listen(config.PORT, config.HOST, resolve),
    );
  }
  // `npm start` runs both; --role=api and --role=worker run them apart (workers scale on their own machines).
  const workers =
    role !== 'api' ? await startWorkers({ config, logger, orm, domainDeps, queues, workerConnection }) : null;
  const port = server ? (server.address() as AddressInfo).port : null;
  return {
    config,
    logger,
    orm,
    separatePool,
    redis,
    apollo,
    schema,
    server,
    port,
    sms,
    domainDeps,
    provider,
    queues,
    queueConnection,
    workerConnection,
    workers,
    background,
    local,
  };
}

export type Running = Awaited<ReturnType<typeof start>>;
