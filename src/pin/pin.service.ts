import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { LockMode, type EntityManager } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { requireAdmin, requireAuthenticated } from '../auth/policy';
import { DomainError } from '../common/errors';
import { normalizePhone } from '../common/phone';
import type { ServiceContext } from '../domain';
import { notify } from '../outbox/outbox';
import { Pin } from './pin.entity';

/** scrypt at N=2^14, r=8: ~30-50 ms per check here, costly to brute-force offline; 16 MB of memory per check. */
const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LENGTH = 32;

function scryptAsync(pin: string, salt: Buffer, o: ScryptOptions & { N: number; r: number; p: number }) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(pin, salt, KEY_LENGTH, o, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(pin, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), key.toString('base64')].join('$');
}

async function pinMatches(pin: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scryptAsync(pin, Buffer.from(salt, 'base64'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Why a PIN is refused as too easy to guess, or null: 4 digits, not one digit repeated, not a run (1234, 9876). */
export function weakPinReason(pin: string): string | null {
  if (!/^\d{4}$/.test(pin)) return 'A PIN is exactly 4 digits';
  const d = [...pin].map(Number);
  if (d.every((x) => x === d[0])) return 'A PIN may not repeat one digit';
  const steps = d.slice(1).map((x, i) => x - d[i]);
  if (steps.every((s) => s === 1) || steps.every((s) => s === -1)) return 'A PIN may not be a run such as 1234';
  return null;
}

export type PinState = 'NOT_SET' | 'SET' | 'LOCKED';

/**
 * The VoicePact PIN that guards money leaving escrow. Whatever moves money out for a phone user calls
 * requireForPayout once, in the service path that moves it (DeliveryService.confirm, EscrowService.refundUndelivered).
 */
export class PinService {
  constructor(private readonly ctx: ServiceContext) {}

  async state(phone: string): Promise<PinState> {
    const row = await this.ctx.em.findOne(Pin, { phoneNumber: phone });
    if (!row) return 'NOT_SET';
    return row.lockedUntil && row.lockedUntil > this.ctx.now() ? 'LOCKED' : 'SET';
  }

  /** The first PIN of a phone user. */
  async setPin(actor: Actor, pin: string): Promise<PinState> {
    const phone = phoneOf(actor);
    assertStrong(pin);
    const hash = await hashPin(pin);
    return this.ctx.em.transactional(async (em): Promise<PinState> => {
      const existing = await em.findOne(Pin, { phoneNumber: phone }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (existing) throw new DomainError('CONFLICT', 'A PIN is already set; change it with changePin');
      const row = em.create(Pin, { phoneNumber: phone, hash, createdAt: this.ctx.now(), updatedAt: this.ctx.now() });
      em.persist(row);
      audit(em, this.ctx.now(), actor, { contractId: null, subject: 'pin', subjectId: row.id, action: 'pin-set' });
      return 'SET';
    });
  }

  async changePin(actor: Actor, oldPin: string, newPin: string): Promise<PinState> {
    const phone = phoneOf(actor);
    assertStrong(newPin);
    await this.requirePin(phone, oldPin);
    const hash = await hashPin(newPin);
    return this.ctx.em.transactional(async (em): Promise<PinState> => {
      const row = await em.findOneOrFail(Pin, { phoneNumber: phone }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      row.hash = hash;
      row.failedAttempts = 0;
      row.updatedAt = this.ctx.now();
      audit(em, this.ctx.now(), actor, { contractId: null, subject: 'pin', subjectId: row.id, action: 'pin-changed' });
      return 'SET';
    });
  }

  /** Admin: a forgotten or locked PIN is removed; the owner sets a new one at the next release. */
  async resetPin(actor: Actor, phoneInput: string): Promise<boolean> {
    requireAdmin(actor);
    const phone = normalizePhone(phoneInput, this.ctx.config.DEFAULT_COUNTRY);
    return this.ctx.em.transactional(async (em) => {
      const row = await em.findOne(Pin, { phoneNumber: phone }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!row) return false;
      em.remove(row);
      audit(em, this.ctx.now(), actor, { contractId: null, subject: 'pin', subjectId: row.id, action: 'pin-reset' });
      notify(em, this.ctx.now(), 'pin.reset', `${row.id}-${this.ctx.now().getTime()}`, { phone });
      return true;
    });
  }

  /**
   * Every phone user's action that moves money out of escrow calls this once before it does. (The release
   * window, the deadline refund and an admin's dispute resolution are not a phone user's act and need no PIN.)
   */
  async requireForPayout(actor: Actor, pin: string | null | undefined): Promise<void> {
    if (actor.kind === 'phone') await this.requirePin(actor.phone, pin);
  }

  /**
   * Throws PIN_NOT_SET, PIN_REQUIRED, PIN_LOCKED or PIN_INVALID unless `pin` is this phone's PIN.
   *
   * A separate transaction, on purpose: the wrong-attempt count (and the lock) must commit even though the
   * operation that asked for the PIN then fails and rolls back; counted inside that operation's transaction, a
   * wrong attempt would be lost and the PIN could be guessed without limit. On the separate pool (separateEm):
   * the caller holds a connection of the main pool meanwhile.
   */
  async requirePin(phone: string, pin: string | null | undefined): Promise<void> {
    const em = this.ctx.separateEm?.() ?? this.ctx.em.fork();
    const verdict = await em.transactional(async (tx) => this.check(tx, phone, pin));
    if (verdict?.code === 'PIN_NOT_SET') {
      // Set in this very unit of work (create the PIN, then release at once) and not committed yet, so the
      // separate transaction cannot see it. Nobody else can see it either, so there is nothing to count.
      const own = await this.ctx.em.findOne(Pin, { phoneNumber: phone });
      if (own && pin && /^\d{4}$/.test(pin) && (await pinMatches(pin, own.hash))) return;
      if (own) throw new DomainError(pin ? 'PIN_INVALID' : 'PIN_REQUIRED', 'Wrong PIN');
    }
    if (verdict) throw verdict;
  }

  private async check(em: EntityManager, phone: string, pin: string | null | undefined): Promise<DomainError | null> {
    const row = await em.findOne(Pin, { phoneNumber: phone }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!row) return new DomainError('PIN_NOT_SET', 'Set a VoicePact PIN first (setPin)');
    const now = this.ctx.now();
    if (row.lockedUntil && row.lockedUntil > now)
      return new DomainError('PIN_LOCKED', `The PIN is locked until ${row.lockedUntil.toISOString()}`, {
        lockedUntil: row.lockedUntil.toISOString(),
      });
    if (!pin) return new DomainError('PIN_REQUIRED', 'This releases money: give your VoicePact PIN');
    if (/^\d{4}$/.test(pin) && (await pinMatches(pin, row.hash))) {
      if (row.failedAttempts) row.failedAttempts = 0;
      return null;
    }
    row.failedAttempts++;
    row.updatedAt = now;
    const max = this.ctx.config.PIN_MAX_ATTEMPTS;
    if (row.failedAttempts >= max) {
      row.lockedUntil = new Date(now.getTime() + this.ctx.config.PIN_LOCK_MINUTES * 60_000);
      row.failedAttempts = 0;
      notify(em, this.ctx.now(), 'pin.locked', `${row.id}-${now.getTime()}`, { phone });
      return new DomainError(
        'PIN_LOCKED',
        `Wrong PIN ${max} times: locked for ${this.ctx.config.PIN_LOCK_MINUTES} minutes`,
        {
          lockedUntil: row.lockedUntil.toISOString(),
        },
      );
    }
    return new DomainError('PIN_INVALID', `Wrong PIN; ${max - row.failedAttempts} tries left`, {
      attemptsLeft: max - row.failedAttempts,
    });
  }
}

function phoneOf(actor: Actor): string {
  requireAuthenticated(actor);
  if (actor.kind !== 'phone') throw new DomainError('FORBIDDEN', 'Only a phone user has a VoicePact PIN');
  return actor.phone;
}

function assertStrong(pin: string): void {
  const weak = weakPinReason(pin ?? '');
  if (weak) throw new DomainError('PIN_WEAK', weak);
}
