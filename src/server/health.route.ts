import type Router from '@koa/router';
import type { Redis } from 'ioredis';
import type { Orm } from './db';

const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

async function probe(check: () => Promise<unknown>): Promise<'up' | 'down'> {
  try {
    await within(1500, check());
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
