import { raw } from '@mikro-orm/postgresql';
import { DomainError, notFound } from '../common/errors';
import type { LeanWhere } from '../common/lean';
import type { Contract } from '../contract/contract.entity';
import { PartyRole } from '../contract/contract.enums';
import type { Party } from '../contract/party.entity';
import { actorLabel, type Actor } from './actor';

/**
 * Who may do what, decided here and nowhere else. Services call these before they act.
 * A caller who may not see a contract is told it does not exist: we leak nothing.
 */
export function requireAuthenticated(actor: Actor): asserts actor is Exclude<Actor, { kind: 'anonymous' }> {
  if (actor.kind === 'anonymous')
    throw new DomainError('UNAUTHENTICATED', 'Sign in first: send Authorization: Bearer <token>');
}

export function requireAdmin(actor: Actor): void {
  requireAuthenticated(actor);
  if (actor.kind !== 'admin' && actor.kind !== 'system')
    throw new DomainError('FORBIDDEN', 'Only an administrator may do this');
}

/** The ids of the contracts a phone is a party to, as SQL with `param` the phone's placeholder. */
export const phoneContractIds = (param: string) => `select contract_id from parties where phone_number = ${param}`;

/**
 * A filter that limits contract queries to what this actor may see. Payments and other rows of a contract
 * use it as `{ contract: contractScope(actor) }`.
 *
 * A phone sees the contracts it is a party to: `id in (phoneContractIds)`, a semi-join
 * PostgreSQL answers from the parties' phone_number index. (Written as `{ parties: { phoneNumber } }` the ORM
 * joins parties, then has to group the page in a subquery to undo the join's duplicates: several times the
 * work in Node and in SQL, for the same rows.)
 */
export function contractScope(actor: Actor): Record<string, unknown> {
  requireAuthenticated(actor);
  switch (actor.kind) {
    case 'admin':
    case 'system':
      return {};
    case 'partner':
      return { createdBy: actorLabel(actor) };
    case 'phone':
      return { id: { $in: raw(phoneContractIds('?'), [actor.phone]) } };
  }
}

/**
 * contractScope above as SQL: a lean where-clause on `e0.<column>`, a contract's id (the hot lists,
 * ContractService.list and PaymentService.list, as prepared statements). test/lean.test.ts checks that both
 * give the same rows, for each kind of actor.
 */
export function contractScopeWhere(actor: Actor, column: string): LeanWhere {
  requireAuthenticated(actor);
  switch (actor.kind) {
    case 'admin':
    case 'system':
      return { name: 'all', where: 'true', values: [] };
    case 'partner':
      return {
        name: `partner scope on ${column}`,
        where: `e0."${column}" in (select id from contracts where created_by = $1)`,
        values: [actorLabel(actor)],
      };
    case 'phone':
      return {
        name: `phone scope on ${column}`,
        where: `e0."${column}" in (${phoneContractIds('$1')})`,
        values: [actor.phone],
      };
  }
}

/** A contract with its parties: the entity, or the plain row a read path has (ContractService.get). */
export type SeenContract = Pick<Contract, 'createdBy'> & {
  parties: Contract['parties'] | ReadonlyArray<Pick<Party, 'phoneNumber'>>;
};

export function canSee(actor: Actor, contract: SeenContract): boolean {
  switch (actor.kind) {
    case 'admin':
    case 'system':
      return true;
    case 'partner':
      return contract.createdBy === actorLabel(actor);
    case 'phone': {
      const parties: ReadonlyArray<Pick<Party, 'phoneNumber'>> = Array.isArray(contract.parties)
        ? contract.parties
        : (contract.parties as Contract['parties']).getItems();
      return parties.some((p) => p.phoneNumber === actor.phone);
    }
    default:
      return false;
  }
}

export function assertCanSee(actor: Actor, contract: SeenContract, ref: string): void {
  requireAuthenticated(actor);
  if (!canSee(actor, contract)) throw notFound('Contract', ref);
}

/** Accepting, confirming delivery and raising a dispute are a party's own acts: only that phone may do them. */
export function actingParty(actor: Actor, contract: Contract, roles?: PartyRole[]): Party {
  requireAuthenticated(actor);
  if (actor.kind !== 'phone')
    throw new DomainError('FORBIDDEN', 'Only a party to the contract, signed in with their phone, may do this');
  const party = contract.parties.getItems().find((p) => p.phoneNumber === actor.phone);
  if (!party) throw notFound('Contract', contract.code);
  if (roles && !roles.includes(party.role))
    throw new DomainError('FORBIDDEN', `Only the ${roles.map((r) => r.toLowerCase()).join(' or ')} may do this`);
  return party;
}

/** Cancelling or funding: the contract's creator (admin or partner) or one of the given party roles. */
export function assertManages(actor: Actor, contract: Contract, roles: PartyRole[]): void {
  assertCanSee(actor, contract, contract.code);
  if (actor.kind === 'admin' || actor.kind === 'system' || actor.kind === 'partner') return;
  actingParty(actor, contract, roles);
}
