import { raw, type FilterQuery } from '@mikro-orm/postgresql';
import type { Actor } from '../auth/actor';
import { badInput } from '../common/errors';
import { normalizePhone } from '../common/phone';
import type { Contract } from './contract.entity';
import type { PartyRole } from './contract.enums';

export interface FindFilters {
  phoneNumber?: string | null;
  role?: PartyRole | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  search?: string | null;
}

/** Finding contracts (issue 13): by a party's role, by creation date range, by text in the product or the code. */
export function findFilters(actor: Actor, f: FindFilters, defaultCountry: string): FilterQuery<Contract>[] {
  const out: FilterQuery<Contract>[] = [];
  if (f.role) {
    const phone = f.phoneNumber
      ? normalizePhone(f.phoneNumber, defaultCountry)
      : actor.kind === 'phone'
        ? actor.phone
        : null;
    if (!phone)
      throw badInput('role filters by the role of phoneNumber (or of the signed-in phone): give phoneNumber', {
        field: 'role',
      });
    // A semi-join on the parties' phone index, as the policy's scope does.
    out.push({
      id: { $in: raw('select contract_id from parties where phone_number = ? and role = ?', [phone, f.role]) },
    });
  }
  if (f.createdAfter && f.createdBefore && f.createdAfter > f.createdBefore)
    throw badInput('createdAfter must not be later than createdBefore', { field: 'createdAfter' });
  if (f.createdAfter) out.push({ createdAt: { $gte: f.createdAfter } });
  if (f.createdBefore) out.push({ createdAt: { $lt: f.createdBefore } });
  const text = f.search?.trim();
  if (text) {
    if (text.length > 60) throw badInput('search must be at most 60 characters', { field: 'search' });
    const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    out.push({ $or: [{ product: { $ilike: like } }, { code: { $ilike: like } }] });
  }
  return out;
}
