import { MikroORM, PostgreSqlDriver, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { Client } from 'pg';
import path from 'node:path';
import { UssdSession } from '../../adapters/ussd/ussd-session.entity';
import { entities as domainEntities } from '../entities';
import type { Logger } from '../common/logger';

export type { Orm } from '../common/orm';

const migrationsDir = path.join(__dirname, '..', 'migrations');

export function ormOptions(databaseUrl: string): Options {
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
    pool: { min: 0, max: 10 },
    debug: false,
  };
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
        if (err.code !== '42P04') throw err; // created meanwhile by another process
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
    const applied = await orm.getMigrator().up();
    if (applied.length) logger?.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
  return orm;
}
