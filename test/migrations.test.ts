import { MikroORM } from '@mikro-orm/postgresql';
import { ensureDatabase, ormOptions } from '../src/server/db';
import { dropDatabase, freshDatabaseUrl } from './support/database';

// One empty database, migrated once, for both tests.
const url = freshDatabaseUrl('migrations');
let orm: MikroORM;
let applied: unknown[];
beforeAll(async () => {
  await ensureDatabase(url);
  orm = await MikroORM.init(ormOptions(url));
  applied = await orm.getMigrator().up();
});
afterAll(async () => {
  await orm.close(true);
  await dropDatabase(url);
});

test('the committed migrations apply on an empty database and match the entities exactly', async () => {
  expect(applied.length).toBeGreaterThan(0);
  // No difference left between entities and schema: nobody forgot a migration.
  expect(await orm.schema.getUpdateSchemaSQL({ wrap: false })).toBe('');
  expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
});

test("no index covers a column a USSD hop's save changes, and pages keep room: the save is a HOT update", async () => {
  const conn = orm.em.getConnection();
  // The columns adapters/ussd/session.store.ts's SAVE statement changes at every hop. `active` is left out: it
  // stands only in a partial index's predicate, and a hop never changes it (ending a session does, once).
  const changed = ['current_menu', 'context', 'last_input', 'last_response', 'hops', 'updated_at', 'expires_at'];
  const indexed = await conn.execute<Array<{ index: string; definition: string }>>(
    `select c.relname as index, pg_get_indexdef(i.indexrelid) as definition from pg_index i
     join pg_class c on c.oid = i.indexrelid where i.indrelid = 'ussd_sessions'::regclass`,
  );
  expect(indexed.length).toBeGreaterThan(2);
  for (const { definition } of indexed)
    for (const column of changed)
      expect([definition, column, new RegExp(`\\b${column}\\b`).test(definition)]).toEqual([definition, column, false]);
  const [{ options }] = await conn.execute<Array<{ options: string[] }>>(
    `select reloptions as options from pg_class where relname = 'ussd_sessions'`,
  );
  expect(options).toContain('fillfactor=70');
});
