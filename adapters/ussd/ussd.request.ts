import { tryNormalizePhone } from '../../src/common/phone';
import type { SessionEnd } from './session.store';

/** What a webhook request must carry. Failing is a 400, never a hop (who may call: adapters/http/allow-list.ts). */

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
