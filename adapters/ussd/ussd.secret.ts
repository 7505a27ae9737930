import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Config } from '../../src/config';

/**
 * A PIN typed on one screen and needed on the next (create, then again; the old PIN while the new one is
 * typed) travels in the session's stored params only sealed: AES-256-GCM under a key derived from the admin
 * key, which is not in the database. A PIN is never stored in the clear; a sealed one that cannot be opened
 * (the key changed, a forged value) is simply no PIN.
 */
const keyOf = (config: Config) => createHash('sha256').update(`ussd-pin-seal:${config.ADMIN_API_KEY}`).digest();

export function sealPin(config: Config, pin: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(config), iv);
  const body = Buffer.concat([cipher.update(pin, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function openPin(config: Config, sealed: unknown): string | null {
  if (typeof sealed !== 'string') return null;
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', keyOf(config), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/** Stands for a secret step: no '*' in it, or it would split into steps of its own. */
export const MASK = '####';

/** The path with the inputs at `secret` (indices into its `*`-separated steps) masked. */
export function maskPath(text: string, secret: readonly number[]): string {
  if (!secret.length) return text;
  const steps = text.split('*');
  for (const i of secret) if (i < steps.length) steps[i] = MASK;
  return steps.join('*');
}
