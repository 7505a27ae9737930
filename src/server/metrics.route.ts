import type Router from '@koa/router';
import type { Registry } from 'prom-client';
import { requireAdminKey } from './admin-auth';

/** GET /metrics: Prometheus text for operators (admin key). */
export function metricsRoute(router: Router, registry: Registry, adminKey: string): void {
  router.get('/metrics', requireAdminKey(adminKey), async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
}
