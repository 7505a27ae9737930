import { badInput } from './errors';

/**
 * Control characters (C0 but tab and newline, DEL, C1) and bidirectional overrides have no place in text people
 * type: they corrupt USSD screens, SMS and logs, and reorder what a reader sees ("Trojan source" spoofing).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

export const hasControlCharacters = (value: string): boolean => CONTROL.test(value);

/** A free-text field (note, reason): refused with BAD_USER_INPUT when too long or holding control characters. */
export function freeText(value: string | null | undefined, field: string, max = 280): string | null {
  if (value == null) return null;
  if (value.length > max) throw badInput(`${field} must be at most ${max} characters`, { field });
  if (hasControlCharacters(value)) throw badInput(`${field} must not contain control characters`, { field });
  return value.trim() || null;
}
