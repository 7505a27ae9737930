import { createHash, randomBytes, randomInt } from 'node:crypto';
import { safeEqual } from '../common/constant-time';
import { LockMode } from '@mikro-orm/postgresql';
import { DomainError } from '../common/errors';
import { maskPhone, normalizePhone } from '../common/phone';
import type { ServiceContext } from '../domain';
import { text } from '../notification/notification.texts';
import type { ProfileService } from '../profile/profile.service';
import { ANONYMOUS, phoneActor, type Actor } from './actor';
import { AuthSession } from './auth-session.entity';
import { LoginCode } from './login-code.entity';
import { Partner } from './partner.entity';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const MAX_ATTEMPTS = 5;
const MAX_CODES_PER_WINDOW = 5;
const CODE_WINDOW_MS = 15 * 60_000;

/** Bearer tokens carry their kind in a prefix, so one lookup decides who is calling. */
export const PARTNER_KEY_PREFIX = 'vpk_';
export const SESSION_TOKEN_PREFIX = 'vps_';

export class AuthService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly profiles: ProfileService,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Actor> {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
    if (!token) return ANONYMOUS;
    if (safeEqual(token, this.ctx.config.ADMIN_API_KEY)) return { kind: 'admin' };
    if (token.startsWith(PARTNER_KEY_PREFIX)) {
      const partner = await this.ctx.em.findOne(Partner, { keyHash: sha256(token), revokedAt: null });
      if (partner) return { kind: 'partner', partnerId: partner.id };
    } else if (token.startsWith(SESSION_TOKEN_PREFIX)) {
      const session = await this.ctx.em.findOne(AuthSession, {
        tokenHash: sha256(token),
        expiresAt: { $gt: this.ctx.now() },
      });
      if (session) return phoneActor(session.phoneNumber);
    }
    throw new DomainError('UNAUTHENTICATED', 'The token is not valid or has expired');
  }

  /** Always answers the same way, whether or not the phone is a party: it reveals nothing. */
  async requestLoginCode(phoneInput: string): Promise<void> {
    const phoneNumber = normalizePhone(phoneInput, this.ctx.config.DEFAULT_COUNTRY);
    const now = this.ctx.now();
    const recent = await this.ctx.em.count(LoginCode, {
      phoneNumber,
      createdAt: { $gt: new Date(now.getTime() - CODE_WINDOW_MS) },
    });
    if (recent >= MAX_CODES_PER_WINDOW)
      throw new DomainError('RATE_LIMITED', 'Too many codes requested; try again in 15 minutes');
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const ttl = this.ctx.config.LOGIN_CODE_TTL_SECONDS;
    this.ctx.em.create(LoginCode, {
      phoneNumber,
      codeHash: this.codeHash(phoneNumber, code),
      expiresAt: new Date(now.getTime() + ttl * 1000),
      createdAt: now,
    });
    await this.ctx.em.flush();
    // Sent directly, not queued: a login code is a secret, and useless once its few minutes pass.
    const language = await this.profiles.language(phoneNumber);
    const message = text('loginCode', language, { code, minutes: String(Math.max(1, Math.round(ttl / 60))) });
    const result = await this.ctx.sms.send({ to: phoneNumber, text: message });
    if (result.status !== 'SENT')
      this.ctx.logger.warn({ phone: maskPhone(phoneNumber), detail: result.detail }, 'login code SMS rejected');
  }

  async verifyLoginCode(
    phoneInput: string,
    code: string,
    address?: string,
  ): Promise<{ token: string; expiresAt: Date; phoneNumber: string }> {
    const phoneNumber = normalizePhone(phoneInput, this.ctx.config.DEFAULT_COUNTRY);
    const guesses = this.ctx.loginGuesses;
    if (guesses && !(await guesses.mayGuess(phoneNumber, address)))
      throw new DomainError('RATE_LIMITED', 'Too many wrong codes; try again later');
    const session = await this.consumeLoginCode(phoneNumber, code);
    if (!session) {
      await guesses?.failed(phoneNumber, address);
      throw new DomainError('UNAUTHENTICATED', 'The code is wrong or has expired');
    }
    return session;
  }

  /**
   * null for a wrong, used, expired or exhausted code. A wrong guess is counted in a transaction that commits
   * (it returns instead of throwing): a throw would roll the count back, and the code could be guessed forever.
   */
  private consumeLoginCode(
    phoneNumber: string,
    code: string,
  ): Promise<{ token: string; expiresAt: Date; phoneNumber: string } | null> {
    return this.ctx.em.transactional(async (em) => {
      const login = await em.findOne(
        LoginCode,
        { phoneNumber, consumedAt: null, expiresAt: { $gt: this.ctx.now() } },
        { orderBy: { createdAt: 'desc' }, lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      if (!login || login.attempts >= MAX_ATTEMPTS) return null;
      login.attempts++;
      if (!/^\d{6}$/.test(code) || !safeEqual(this.codeHash(phoneNumber, code), login.codeHash)) return null;
      login.consumedAt = this.ctx.now();
      const token = SESSION_TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const expiresAt = new Date(this.ctx.now().getTime() + this.ctx.config.SESSION_TOKEN_TTL_HOURS * 3600_000);
      em.create(AuthSession, { phoneNumber, tokenHash: sha256(token), expiresAt, createdAt: this.ctx.now() });
      return { token, expiresAt, phoneNumber };
    });
  }

  /** For the `partner:create` CLI: the key is shown once and only its hash is kept. */
  async createPartner(name: string): Promise<{ partner: Partner; apiKey: string }> {
    if (!name.trim() || name.length > 80)
      throw new DomainError('BAD_USER_INPUT', 'Partner name must be 1 to 80 characters');
    const apiKey = PARTNER_KEY_PREFIX + randomBytes(32).toString('base64url');
    const partner = this.ctx.em.create(Partner, {
      name: name.trim(),
      keyHash: sha256(apiKey),
      createdAt: this.ctx.now(),
    });
    await this.ctx.em.flush();
    return { partner, apiKey };
  }

  private codeHash(phone: string, code: string): string {
    return sha256(`${phone}:${code}:${this.ctx.config.ADMIN_API_KEY}`);
  }
}
