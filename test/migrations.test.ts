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
