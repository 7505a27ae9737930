import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import { safeEqual } from '../../src/common/constant-time';
import { allowList, callerAddress, isAllowed } from '../http/allow-list';
import { MpesaCallbackParseError, parseMpesaCallback } from '../mpesa/mpesa.callbacks';
import type { MpesaCallbackKind } from '../mpesa/mpesa.client';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/common/logger';
import type { ProviderEventSink } from './provider-events';

export const MPESA_CALLBACK_KINDS: MpesaCallbackKind[] = [
  'stk',
  'b2c/result',
  'b2c/timeout',
  'status/result',
  'status/timeout',
];
const ACCEPTED = { ResultCode: 0, ResultDesc: 'Accepted' };

/**
 * POST /api/v1/payments/mpesa/<kind>/<token>. Daraja signs nothing, so: an unguessable per-deployment token in
 * the URL (compared in constant time), optionally a CIDR allow-list, and a small JSON limit. An authentic
 * callback is committed to the inbox before "Accepted" is answered, then applied once; a malformed or unknown
 * one changes nothing and is logged.
 */
export function mpesaCallbackRoutes(router: Router, config: Config, logger: Logger, sink: ProviderEventSink): void {
  // An empty list lets anyone knock; the token still decides.
  const allowed =
    config.MPESA_CALLBACK_ALLOWED_IPS.length > 0
      ? allowList('MPESA_CALLBACK_ALLOWED_IPS', config.MPESA_CALLBACK_ALLOWED_IPS)
      : null;
  const token = config.MPESA_CALLBACK_TOKEN ?? '';
  const json = bodyParser({ enableTypes: ['json'], jsonLimit: '32kb' });

  for (const kind of MPESA_CALLBACK_KINDS) {
    router.post(
      `/api/v1/payments/mpesa/${kind}/:token`,
      async (ctx, next) => {
        // Refuse strangers before reading their body.
        const ip = callerAddress(ctx, config);
        if (allowed && !isAllowed(allowed, ip)) {
          logger.warn({ kind, ip }, 'M-Pesa callback from an address not allowed');
          ctx.status = 403;
          return;
        }
        if (!token || !safeEqual(ctx.params.token ?? '', token)) {
          logger.warn({ kind, ip }, 'M-Pesa callback with a wrong token');
          ctx.status = 404;
          return;
        }
        await next();
      },
      json,
      async (ctx) => {
        const body = (ctx.request as { body?: unknown }).body;
        let event;
        try {
          event = parseMpesaCallback(kind, body);
        } catch (err) {
          if (!(err instanceof MpesaCallbackParseError)) throw err;
          logger.warn({ kind, err: err.message }, 'malformed M-Pesa callback ignored');
          ctx.body = ACCEPTED; // retrying a malformed body would not help Daraja either
          return;
        }
        if (event) {
          const notFound =
            kind === 'status/result' &&
            event.type === 'PAYOUT_RESULT' &&
            event.outcome.state === 'UNKNOWN' &&
            saysNotFound(body);
          const received = await sink.receive(`mpesa:${kind}`, body, event, notFound);
          logger.info({ kind, received, notFound }, 'M-Pesa callback');
        } else {
          logger.info({ kind }, 'M-Pesa callback with nothing to apply');
        }
        ctx.body = ACCEPTED;
      },
    );
  }
}

/**
 * A Transaction Status answer that positively says the transaction does not exist. Only this lets a payout in
 * doubt be sent again; any other failure of the query leaves it in doubt (never paid twice, at worst late).
 */
export function saysNotFound(body: unknown): boolean {
  const result = (body as { Result?: { ResultCode?: unknown; ResultDesc?: unknown } } | null)?.Result;
  return (
    String(result?.ResultCode ?? '').trim() === '2032' ||
    /transaction.*(could not be|was not|not) found/i.test(String(result?.ResultDesc ?? ''))
  );
}
