import type Router from '@koa/router';
import type { Redis } from 'ioredis';
import { withTimeout } from '../common/timeout';
import type { Orm } from './db';

async function probe(check: () => Promise<unknown>): Promise<'up' | 'down'> {
  try {
    await withTimeout(check(), 1500, 'timeout');
    return 'up';
  } catch {
    return 'down';
  }
}

/** 200 when PostgreSQL and Redis both answer, 503 otherwise; the body says which. */
export function healthRoute(router: Router, orm: Orm, redis: Redis): void {
  router.get('/health', async (ctx) => {
    const [database, redisState] = await Promise.all([
      probe(() => orm.em.fork().getConnection().execute('select 1')),
      probe(() => redis.ping()),
    ]);
    const ok = database === 'up' && redisState === 'up';
    ctx.status = ok ? 200 : 503;
    ctx.body = { status: ok ? 'ok' : 'degraded', database, redis: redisState };
  });
}
