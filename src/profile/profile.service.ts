import type { Actor } from '../auth/actor';
import { requireAuthenticated } from '../auth/policy';
import { DomainError } from '../common/errors';
import type { ServiceContext } from '../domain';
import { runStatement, statement } from '../common/sql';
import { Language } from './profile.entity';

const LANGUAGE = statement('profile_language', 'select language from profiles where phone_number = $1');
// What em.upsert sent, as a prepared statement: the language menu's one write, on the hop's transaction.
const SET_LANGUAGE = statement(
  'profile_set_language',
  `insert into profiles (phone_number, language, updated_at) values ($1, $2, $3)
  on conflict (phone_number) do update set language = excluded.language, updated_at = excluded.updated_at`,
);

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
    await runStatement(this.ctx.em, SET_LANGUAGE, [actor.phone, language, this.ctx.now()]);
    return { phoneNumber: actor.phone, language };
  }
}
