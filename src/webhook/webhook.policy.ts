import type { ServiceContext } from '../domain';
import { systemResolve, type WebhookHttpPolicy } from './webhook.http';

/** Production is strict (HTTPS, public addresses only); development and tests may use http on loopback. */
export const httpPolicy = (ctx: ServiceContext): WebhookHttpPolicy => ({
  strict: ctx.config.NODE_ENV === 'production',
  resolve: ctx.resolveHost ?? systemResolve,
  timeoutMs: ctx.config.WEBHOOK_TIMEOUT_MS,
});
