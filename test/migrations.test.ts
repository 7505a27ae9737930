import { MikroORM } from '@mikro-orm/postgresql';
import { ensureDatabase, ormOptions } from '../src/server/db';
import { dropDatabase, freshDatabaseUrl } from './support/database';

test('the committed migrations apply on an empty database and match the entities exactly', async () => {
  const url = freshDatabaseUrl('migrations');
  await ensureDatabase(url);
  const orm = await MikroORM.init(ormOptions(url));
  try {
    const applied = await orm.getMigrator().up();
    expect(applied.length).toBeGreaterThan(0);
    // No difference left between entities and schema: nobody forgot a migration.
    expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
    expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
  } finally {
    await orm.close(true);
    await dropDatabase(url);
  }
});

test("no index covers a column a USSD hop's save changes, and pages keep room: the save is a HOT update", async () => {
  const url = freshDatabaseUrl('migrations_hot');
  await ensureDatabase(url);
  const orm = await MikroORM.init(ormOptions(url));
  try {
    await orm.getMigrator().up();
    const conn = orm.em.getConnection();
    // The columns of adapters/ussd/session.store.ts's SAVE statement.
    const changed = [
      'current_menu',
      'context',
      'last_input',
      'last_response',
      'active',
      'hops',
      'updated_at',
      'expires_at',
    ];
    const indexed = await conn.execute<Array<{ index: string; definition: string }>>(
      `select c.relname as index, pg_get_indexdef(i.indexrelid) as definition from pg_index i
       join pg_class c on c.oid = i.indexrelid where i.indrelid = 'ussd_sessions'::regclass`,
    );
    expect(indexed.length).toBeGreaterThan(2);
    // `active` only in a predicate: a hop never changes it (ending a session does, once).
    for (const { definition } of indexed)
      for (const column of changed.filter((c) => c !== 'active'))
        expect([definition, column, new RegExp(`\\b${column}\\b`).test(definition)]).toEqual([
          definition,
          column,
          false,
        ]);
    const [{ options }] = await conn.execute<Array<{ options: string[] }>>(
      `select reloptions as options from pg_class where relname = 'ussd_sessions'`,
    );
    expect(options).toContain('fillfactor=70');
  } finally {
    await orm.close(true);
    await dropDatabase(url);
  }
});
