import type { Middleware } from 'koa';
import { safeEqual } from '../common/constant-time';

/** Operator pages (job dashboard, metrics, simulator in production): the admin key as Bearer or as the Basic password. */
export function requireAdminKey(adminKey: string): Middleware {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
    const password = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':').slice(1).join(':') : undefined;
    if ((bearer && safeEqual(bearer, adminKey)) || (password && safeEqual(password, adminKey))) return next();
    ctx.status = 401;
    ctx.set('WWW-Authenticate', 'Basic realm="VoicePact operators"');
    ctx.body = 'Admin key required';
  };
}
