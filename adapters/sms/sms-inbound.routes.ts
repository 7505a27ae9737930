import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Config } from '../../src/config';
import type { Orm } from '../../src/common/orm';
import { maskPhone } from '../../src/common/phone';
import { createDomain, type DomainDeps } from '../../src/domain';
import { allowList, callerAddress, isAllowed } from '../http/allow-list';
import { formBody } from '../http/form-body';

/**
 * Africa's Talking's incoming-message callback (two-way SMS): form fields from, to, text, date, id, linkId.
 * Behind the same allow-list as the USSD webhook. The message is recorded once per id and its one reply
 * queued (src/notification/inbound-sms.service.ts); AT is answered 200 at once, also for a retry.
 */
export function smsInboundRoutes(router: Router, config: Config, orm: Orm, domainDeps: DomainDeps): void {
  const allowed = allowList('USSD_ALLOWED_IPS', config.USSD_ALLOWED_IPS);
  const form = formBody('8kb');
  const field = (body: unknown, name: string) => {
    const v = (body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
  };

  const inbound: Middleware = async (ctx) => {
    ctx.type = 'text/plain';
    if (!isAllowed(allowed, callerAddress(ctx, config))) {
      ctx.status = 403;
      ctx.body = 'Forbidden';
      return;
    }
    const body = ctx.request.body;
    const from = field(body, 'from');
    const id = field(body, 'id');
    if (!from || !id) {
      ctx.status = 400;
      ctx.body = 'from and id are required';
      return;
    }
    try {
      const result = await createDomain(orm.em.fork(), domainDeps).inboundSms.receive({
        from,
        id,
        text: field(body, 'text'),
      });
      // The text may be personal: the log keeps the outcome and the masked sender only.
      ctx.state.logFields = { sms: id.slice(0, 40), phone: maskPhone(from), result };
      ctx.status = 200;
      ctx.body = 'OK';
    } catch (err) {
      ctx.state.log.error({ err }, 'incoming SMS failed');
      ctx.status = 503; // AT retries; the id keeps the reply single
      ctx.body = 'Try again';
    }
  };
  router.post('/api/v1/sms/inbound', form, inbound);
}
