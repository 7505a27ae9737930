import type { Actor } from '../auth/actor';
import { requireAuthenticated } from '../auth/policy';
import { DomainError } from '../common/errors';
import type { ServiceContext } from '../domain';
import { runStatement, statement } from '../common/sql';
import { Language, Profile } from './profile.entity';

const LANGUAGE = statement('profile_language', 'select language from profiles where phone_number = $1');

export class ProfileService {
  constructor(private readonly ctx: ServiceContext) {}

  async viewer(actor: Actor): Promise<{ phoneNumber: string | null; language: Language }> {
    requireAuthenticated(actor);
    if (actor.kind !== 'phone') return { phoneNumber: null, language: Language.EN };
    return { phoneNumber: actor.phone, language: await this.language(actor.phone) };
  }

  /** One column of one row, asked at the first hop of every USSD session: a named prepared statement. */
  async language(phoneNumber: string): Promise<Language> {
    const { rows } = await runStatement<{ language: Language }>(this.ctx.em, LANGUAGE, [phoneNumber]);
    return rows[0]?.language ?? Language.EN;
  }

  async setLanguage(actor: Actor, language: Language): Promise<{ phoneNumber: string; language: Language }> {
    if (actor.kind !== 'phone') throw new DomainError('FORBIDDEN', 'Language is a setting of a phone user');
    await this.ctx.em.upsert(Profile, { phoneNumber: actor.phone, language, updatedAt: this.ctx.now() });
    return { phoneNumber: actor.phone, language };
  }
}
