import type { Context } from 'koa';
import { BlockList, isIP } from 'node:net';
import { tryNormalizePhone } from '../../src/common/phone';
import type { SessionEnd } from './session.store';

/** Who may call the webhook, and what a request must carry. Failing either is a 403 or a 400, never a hop. */

/** USSD_ALLOWED_IPS as a BlockList (node's own CIDR matching). A bad entry stops start-up with its name. */
export function allowList(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const entry of cidrs) {
    const [address, bits] = entry.split('/');
    const family = isIP(address);
    if (!family || (bits !== undefined && !/^\d{1,3}$/.test(bits)))
      throw new Error(`USSD_ALLOWED_IPS: "${entry}" is not an address or a CIDR such as 196.201.214.0/24`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/**
 * The connecting address. Behind a proxy we trust (TRUST_PROXY), the last X-Forwarded-For entry: the one
 * our proxy appended. Entries before it are whatever the client chose to send.
 */
export function clientAddress(ctx: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const last = ctx
      .get('x-forwarded-for')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .at(-1);
    if (last) return last;
  }
  return ctx.req.socket.remoteAddress ?? '';
}

export function isAllowed(list: BlockList, address: string): boolean {
  const ip = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address; // IPv4 seen through an IPv6 socket
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const SESSION_ID = /^[\x21-\x7e]{1,100}$/; // printable ASCII, no spaces: what AT sends, and fits the column

function field(body: unknown, name: string): unknown {
  return body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
}

function optionalString(body: unknown, name: string, max: number): Parsed<string | null> {
  const v = field(body, name);
  if (v === undefined || v === '') return { ok: true, value: null };
  if (typeof v !== 'string') return { ok: false, message: `${name} must be a single value` };
  if (v.length > max) return { ok: false, message: `${name} is longer than ${max} characters` };
  return { ok: true, value: v };
}

function sessionIdOf(body: unknown): Parsed<string> {
  const v = field(body, 'sessionId');
  return typeof v === 'string' && SESSION_ID.test(v)
    ? { ok: true, value: v }
    : { ok: false, message: 'sessionId is missing or not valid' };
}

export interface HopFields {
  sessionId: string;
  phone: string;
  text: string;
  serviceCode: string | null;
  networkCode: string | null;
}

export function parseHopFields(body: unknown, defaultCountry: string): Parsed<HopFields> {
  const sessionId = sessionIdOf(body);
  if (!sessionId.ok) return sessionId;
  const rawPhone = field(body, 'phoneNumber');
  if (typeof rawPhone !== 'string' || !rawPhone) return { ok: false, message: 'phoneNumber is missing' };
  const phone = tryNormalizePhone(rawPhone, defaultCountry);
  if (!phone) return { ok: false, message: 'phoneNumber is not a valid phone number' };
  const serviceCode = optionalString(body, 'serviceCode', 40);
  if (!serviceCode.ok) return serviceCode;
  const networkCode = optionalString(body, 'networkCode', 20);
  if (!networkCode.ok) return networkCode;
  // Any text is accepted here (the body limit bounds it): odd input is an invalid selection, not a 400.
  const text = field(body, 'text') ?? '';
  if (typeof text !== 'string') return { ok: false, message: 'text must be a single value' };
  return {
    ok: true,
    value: { sessionId: sessionId.value, phone, text, serviceCode: serviceCode.value, networkCode: networkCode.value },
  };
}

/** AT's end-of-session notification: which session, and how it ended. */
export interface EventFields extends SessionEnd {
  sessionId: string;
}

function optionalCount(body: unknown, name: string): Parsed<number | null> {
  const v = field(body, name);
  if (v === undefined || v === '') return { ok: true, value: null };
  if (typeof v !== 'string' || !/^\d{1,9}$/.test(v)) return { ok: false, message: `${name} must be a whole number` };
  return { ok: true, value: Number(v) };
}

/** AT's end-of-session notification. Free texts are cut to their columns rather than refused. */
export function parseEventFields(body: unknown): Parsed<EventFields> {
  const sessionId = sessionIdOf(body);
  if (!sessionId.ok) return sessionId;
  const status = field(body, 'status');
  if (typeof status !== 'string' || !/^[A-Za-z]{1,20}$/.test(status))
    return { ok: false, message: 'status is missing or not valid' };
  const duration = optionalCount(body, 'durationInMillis');
  if (!duration.ok) return duration;
  const hops = optionalCount(body, 'hopsCount');
  if (!hops.ok) return hops;
  const cut = (name: string, max: number) => {
    const v = field(body, name);
    return typeof v === 'string' && v ? v.slice(0, max) : null;
  };
  return {
    ok: true,
    value: {
      sessionId: sessionId.value,
      status,
      durationMs: duration.value,
      hops: hops.value,
      // AT's last input may be a PIN: every 4-digit step is masked before it is stored (a diagnostic column).
      input: cut('input', 200)?.replace(/(^|\*)\d{4}(?=\*|$)/g, '$1####') ?? null,
      errorMessage: cut('errorMessage', 200),
      cost: cut('cost', 40),
    },
  };
}
