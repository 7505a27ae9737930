import type { Context } from 'koa';
import { BlockList, isIP } from 'node:net';
import type { Config } from '../../src/config';

/**
 * Who is calling, and whether an allow-list (USSD_ALLOWED_IPS, MPESA_CALLBACK_ALLOWED_IPS) lets them in: one
 * answer for every transport, so no route can read the wrong X-Forwarded-For entry.
 */

/** A setting's CIDR list as a BlockList (node's own CIDR matching). A bad entry stops start-up with its name. */
export function allowList(setting: string, cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const entry of cidrs) {
    const [address, bits] = entry.split('/');
    const family = isIP(address);
    const max = family === 6 ? 128 : 32;
    if (!family || (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max)))
      throw new Error(`${setting}: "${entry}" is not an address or a CIDR such as 196.201.214.0/24`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/**
 * The caller's address. Without TRUST_PROXY, the connecting socket. Behind TRUSTED_PROXY_HOPS proxies we trust,
 * each appends the address it saw to X-Forwarded-For, so the caller is that many entries from the end; entries
 * before it are whatever the caller chose to write (Koa's ctx.ip, the first entry, would believe them). A header
 * shorter than the hops was not written by our proxies: the socket decides.
 */
export function callerAddress(ctx: Context, config: Pick<Config, 'TRUST_PROXY' | 'TRUSTED_PROXY_HOPS'>): string {
  if (config.TRUST_PROXY) {
    const entries = ctx
      .get('x-forwarded-for')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const hop = entries.at(-config.TRUSTED_PROXY_HOPS);
    if (hop && entries.length >= config.TRUSTED_PROXY_HOPS) return hop;
  }
  return ctx.req.socket.remoteAddress ?? '';
}

export function isAllowed(list: BlockList, address: string): boolean {
  const ip = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address; // IPv4 seen through an IPv6 socket
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}
