import type { Actor } from '../auth/actor';
import { requireAuthenticated } from '../auth/policy';
import { DomainError } from '../common/errors';
import type { ServiceContext } from '../domain';
import { Language, Profile } from './profile.entity';

export class ProfileService {
  constructor(private readonly ctx: ServiceContext) {}

  async viewer(actor: Actor): Promise<{ phoneNumber: string | null; language: Language }> {
    requireAuthenticated(actor);
    if (actor.kind !== 'phone') return { phoneNumber: null, language: Language.EN };
    return { phoneNumber: actor.phone, language: await this.language(actor.phone) };
  }

  /** One column of one row: read as a plain row (no entity to hydrate, track or flush). */
  async language(phoneNumber: string): Promise<Language> {
    const row = await this.ctx.em
      .createQueryBuilder(Profile)
      .select('language')
      .where({ phoneNumber })
      .execute<{ language: Language } | null>('get', false);
    return row?.language ?? Language.EN;
  }

  async setLanguage(actor: Actor, language: Language): Promise<{ phoneNumber: string; language: Language }> {
    if (actor.kind !== 'phone') throw new DomainError('FORBIDDEN', 'Language is a setting of a phone user');
    await this.ctx.em.upsert(Profile, { phoneNumber: actor.phone, language, updatedAt: this.ctx.now() });
    return { phoneNumber: actor.phone, language };
  }
}
