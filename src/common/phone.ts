import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { badInput } from './errors';

/**
 * Numbers already normalised, by country and input as typed. Parsing with full metadata costs tens of
 * microseconds and every USSD hop parses the caller's number; the answer for a given input never changes.
 * Bounded: emptied when full. Only valid numbers are kept (a bad one throws, as before, each time).
 */
const normalised = new Map<string, string>();
const NORMALISED_MAX = 10_000;

/** E.164 from any form a person types (0712 345 678, 254712345678, +254...), Kenya by default. */
export function normalizePhone(input: string, defaultCountry = 'KE'): string {
  const key = `${defaultCountry}|${input}`;
  const known = normalised.get(key);
  if (known !== undefined) return known;
  const number = parsePhone(input, defaultCountry);
  if (normalised.size >= NORMALISED_MAX) normalised.clear();
  normalised.set(key, number);
  return number;
}

function parsePhone(input: string, defaultCountry: string): string {
  const raw = (input ?? '').trim();
  if (raw.length === 0 || raw.length > 32) throw badInput('Phone number is missing or too long');
  const withPlus = /^\d{11,15}$/.test(raw) && !raw.startsWith('0') ? `+${raw}` : raw;
  const parsed = parsePhoneNumberFromString(withPlus, defaultCountry as CountryCode);
  if (!parsed || !parsed.isValid()) throw badInput(`"${raw.slice(0, 20)}" is not a valid phone number`);
  return parsed.number;
}

export function tryNormalizePhone(input: string, defaultCountry = 'KE'): string | null {
  try {
    return normalizePhone(input, defaultCountry);
  } catch {
    return null;
  }
}

/** For logs: +254712***678. */
export function maskPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  return phone.length <= 7 ? '***' : `${phone.slice(0, 7)}***${phone.slice(-3)}`;
}

/**
 * Why money could not reach this number, or null when it can: a buyer or seller must hold a mobile number of
 * a country the payment provider serves (a landline or a foreign number leaves the escrow with nowhere to go).
 */
export function paymentPhoneProblem(e164: string, countries: readonly string[]): 'NOT_MOBILE' | 'COUNTRY' | null {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed?.country || !countries.includes(parsed.country)) return 'COUNTRY';
  const type = parsed.getType();
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' ? null : 'NOT_MOBILE';
}

/** A number as people read it at home, masked: +254722000111 -> 0722***111 (screens and texts for the other party). */
export function maskLocal(phone: string): string {
  const parsed = parsePhoneNumberFromString(phone);
  if (!parsed) return maskPhone(phone);
  const national = `0${parsed.nationalNumber}`;
  return national.length <= 7 ? '***' : `${national.slice(0, 4)}***${national.slice(-3)}`;
}
