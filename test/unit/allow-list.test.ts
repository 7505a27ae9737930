import type { Context } from 'koa';
import { allowList, callerAddress, isAllowed } from '../../adapters/http/allow-list';

/** Only what callerAddress reads from a Koa context: the header and the socket. */
function ctxWith(xff: string | undefined, socket = '10.0.0.1'): Context {
  return {
    get: (name: string) => (name.toLowerCase() === 'x-forwarded-for' ? (xff ?? '') : ''),
    req: { socket: { remoteAddress: socket } },
  } as unknown as Context;
}

const behind = (hops: number) => ({ TRUST_PROXY: true, TRUSTED_PROXY_HOPS: hops });

test('without TRUST_PROXY the socket decides, whatever the header says', () => {
  expect(callerAddress(ctxWith('196.201.214.5'), { TRUST_PROXY: false, TRUSTED_PROXY_HOPS: 1 })).toBe('10.0.0.1');
});

test('behind one proxy: the entry it appended (the last), never what the caller wrote before it', () => {
  expect(callerAddress(ctxWith('196.201.214.5, 203.0.113.9'), behind(1))).toBe('203.0.113.9');
  expect(callerAddress(ctxWith('203.0.113.9,196.201.214.5'), behind(1))).toBe('196.201.214.5');
  expect(callerAddress(ctxWith(undefined), behind(1))).toBe('10.0.0.1');
});

test('behind TRUSTED_PROXY_HOPS proxies: that many entries from the end; a shorter header is not ours', () => {
  expect(callerAddress(ctxWith('196.201.214.5, 203.0.113.9, 10.0.0.7'), behind(2))).toBe('203.0.113.9');
  expect(callerAddress(ctxWith('1.1.1.1, 196.201.214.5, 10.0.0.7'), behind(2))).toBe('196.201.214.5');
  expect(callerAddress(ctxWith('196.201.214.5'), behind(2))).toBe('10.0.0.1');
});

test('a bad entry names its setting; IPv4 seen through IPv6 matches', () => {
  expect(() => allowList('MPESA_CALLBACK_ALLOWED_IPS', ['nope'])).toThrow(/MPESA_CALLBACK_ALLOWED_IPS: "nope"/);
  expect(() => allowList('X', ['10.0.0.0/33'])).toThrow(/X: "10.0.0.0\/33"/);
  const list = allowList('X', ['196.201.214.0/24']);
  expect(isAllowed(list, '::ffff:196.201.214.7')).toBe(true);
  expect(isAllowed(list, '196.201.215.7')).toBe(false);
});
