import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Queue } from 'bullmq';
import type { Middleware } from 'koa';
import { requireAdminKey } from './admin-auth';

export const DASHBOARD_PATH = '/admin/queues';

/** bull-board at /admin/queues, behind the admin key (Bearer, or HTTP Basic with the key as the password). */
export function jobDashboard(queues: Queue[], adminKey: string): Middleware {
  const serverAdapter = new KoaAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });
  const board = serverAdapter.registerPlugin();
  const guard = requireAdminKey(adminKey);
  return (ctx, next) => {
    if (ctx.path !== DASHBOARD_PATH && !ctx.path.startsWith(`${DASHBOARD_PATH}/`)) return next();
    return guard(ctx, () => board(ctx, next));
  };
}
