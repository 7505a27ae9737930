import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Webhook signing secrets at rest: AES-256-GCM under a key derived from WEBHOOK_SECRET_KEY. The stored form is
 * `v1.<iv>.<tag>.<ciphertext>` (base64url); the tag makes a tampered or wrongly keyed value fail loudly.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secretKey: string) {
    // The setting is any long string; SHA-256 turns it into exactly 32 bytes.
    this.key = createHash('sha256').update(secretKey, 'utf8').digest();
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed webhook secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** What a partner stores to check signatures: shown once, at creation and at rotation. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;
