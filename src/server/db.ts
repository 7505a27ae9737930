import { MikroORM, PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { Client } from 'pg';
import path from 'node:path';
import { UssdSession } from '../../adapters/ussd/ussd-session.entity';
import { entities as domainEntities } from '../entities';
import type { Logger } from '../common/logger';

export type { Orm } from '../common/orm';

const migrationsDir = path.join(__dirname, '..', 'migrations');
/** Any fixed number; only this service's migrations take it. */
const MIGRATION_LOCK_KEY = 20261128;

export function ormOptions(databaseUrl: string, poolMax = 10): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities: [...domainEntities, UssdSession],
    extensions: [Migrator],
    migrations: {
      path: migrationsDir,
      pathTs: migrationsDir,
      glob: '!(*.d).{js,ts}',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true, // applied migrations are logged once by openDatabase, as JSON
    },
    // Every unit of work forks its own EntityManager; touching the global one is a bug.
    allowGlobalContext: false,
    forceUtcTimezone: true,
    pool: { min: 0, max: poolMax },
    debug: false,
  };
}

/**
 * A second, small pool for the transactions that must commit apart from the unit of work that runs them (the PIN's
 * wrong-attempt count: PinService.requirePin). Taken from the main pool, such a transaction asks for a connection
 * while its caller holds one; with every connection held by callers doing the same (more releases at once than the
 * pool has connections, or copies of one release hop waiting for its session's row lock), none ever comes back.
 * Its transactions wait for nothing that the main pool's holders keep, so this one always drains.
 */
export function openSeparatePool(databaseUrl: string): Promise<MikroORM> {
  // A context name of its own: under the default one, a fork taken inside a transaction of the main ORM resolves to
  // that transaction's EntityManager (MikroORM's transaction context), and so to the main pool again.
  return MikroORM.init({ ...ormOptions(databaseUrl, 2), contextName: 'separate' });
}

/** Creates the database if it is missing: `npm start` works on a machine with a bare PostgreSQL. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`Refusing to create database with name "${name}"`);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`create database "${name}"`).catch((err: { code?: string }) => {
        // Created meanwhile by another instance: 42P04, or 23505 when both inserted into pg_database at once.
        if (err.code !== '42P04' && err.code !== '23505') throw err;
      });
    }
  } finally {
    await client.end();
  }
}

export async function openDatabase(databaseUrl: string, logger?: Logger, migrate = true): Promise<MikroORM> {
  await ensureDatabase(databaseUrl);
  const orm = await MikroORM.init(ormOptions(databaseUrl));
  if (migrate) {
    // Instances started together would run the same migrations at once and fail on each other's tables: one at a
    // time under a session advisory lock (released when this connection ends); the others then find them applied.
    const lock = new Client({ connectionString: databaseUrl });
    await lock.connect();
    try {
      await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const applied = await orm.getMigrator().up();
      if (applied.length) logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    } finally {
      await lock.end();
    }
  }
  return orm;
}
