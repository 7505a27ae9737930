import { Client } from 'pg';
import { Redis } from 'ioredis';

/** Fails fast with a clear message when the services the suite needs are not running. */
export default async function globalSetup(): Promise<void> {
  const pg = new Client({
    connectionString: process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  try {
    await pg.connect();
    await pg.query('select 1');
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable on 127.0.0.1:5432 (${(err as Error).message}); see README "Tests"`);
  } finally {
    await pg.end().catch(() => undefined);
  }
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis is not reachable on 127.0.0.1:6379 (${(err as Error).message}); see README "Tests"`);
  } finally {
    redis.disconnect();
  }
}
