import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildVoicePactSchema } from '../schema/build';
import { createApolloServer } from '../schema/server';
import { createApp } from './app';
import type { Config } from './config';
import type { Logger } from './common/logger';
import { openDatabase } from './db';
import type { DomainDeps } from './domain';
import { DevSmsSender } from './notification/dev-sms.sender';
import { createRedis } from './redis';

export type Role = 'all' | 'api' | 'worker';

/** Start-up, in order: database (migrated), Redis, schema and Apollo, HTTP. */
export async function start(config: Config, logger: Logger, role: Role = 'all') {
  const orm = await openDatabase(config.DATABASE_URL, logger);
  const redis = createRedis(config.REDIS_URL, 'app', logger);
  const sms = new DevSmsSender(logger);
  const domainDeps: DomainDeps = { config, logger, sms };

  const schema = buildVoicePactSchema();
  const apollo = createApolloServer(schema, config, logger);
  await apollo.start();

  let server: http.Server | null = null;
  if (role !== 'worker') {
    const app = await createApp({ config, logger, orm, redis, apollo, domainDeps });
    server = http.createServer(app.callback());
    server.keepAliveTimeout = 65_000; // longer than a load balancer's idle timeout
    await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(config.PORT, config.HOST, resolve));
  }
  const port = server ? (server.address() as AddressInfo).port : null;
  return { config, logger, orm, redis, apollo, schema, server, port, sms, domainDeps };
}

export type Running = Awaited<ReturnType<typeof start>>;
