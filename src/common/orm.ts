import type { MikroORM } from '@mikro-orm/postgresql';

/** The ORM as every unit of work sees it: each forks its own EntityManager from it (src/server/db.ts opens it). */
export type Orm = MikroORM;
