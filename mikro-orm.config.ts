// Used by the MikroORM CLI (`npm run migration:create`); the app builds the same options in src/db.ts.
import 'reflect-metadata';
import { loadConfig } from './src/config';
import { ormOptions } from './src/server/db';

export default ormOptions(loadConfig().DATABASE_URL);
