import { LockMode, type EntityManager, type FilterQuery } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.service';
import { actorLabel, type Actor } from '../auth/actor';
import {
  actingParty,
  assertCanSee,
  assertManages,
  contractScope,
  contractScopeWhere,
  requireAuthenticated,
} from '../auth/policy';
import { CONTRACT_CODE_PATTERN, newContractCode } from '../common/code';
import { badInput, DomainError, invalidTransition, notFound } from '../common/errors';
import { findFilters } from './contract.filters';
import { alreadyDone, changed, type Outcome } from '../common/outcome';
import { andAnyOf, leanFind, leanOfContracts, leanPage, leanWithLists, type Lean } from '../common/lean';
import { CONTRACT_LIST_NAMES, CONTRACT_LISTS, type ContractList } from './contract.lists';
import type { Delivery } from '../delivery/delivery.entity';
import type { Dispute } from '../dispute/dispute.entity';
import type { Payment } from '../payment/payment.entity';
import { afterCursor, decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../common/pagination';
import { Decimal } from '../common/money';
import { normalizePhone } from '../common/phone';
import { hasControlCharacters } from '../common/text';
import type { ServiceContext } from '../domain';
import { accountIn, decidePayout, depositAmountOf } from '../escrow/escrow.ledger';
import { feeFor, feeShares, type FeePayer } from '../escrow/fees';
import { notify } from '../outbox/outbox';
import { idempotent } from '../idempotency/idempotency.service';
import { STATUS_EVENT, webhookEvent } from '../webhook/webhook.events';
import { Contract } from './contract.entity';
import { amountInLimits, checkDraftField, type DraftField } from './contract.draft';
import { ContractStatus, PartyRole, TRANSITIONS } from './contract.enums';
import { validateContract, type CreateContractData } from './contract.validation';
import { Party } from './party.entity';

export interface ContractFilter extends PageArgs {
  status?: ContractStatus[] | null;
  phoneNumber?: string | null;
  /** The role of phoneNumber's party, or of the signed-in phone's (issue 13). */
  role?: PartyRole | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  /** Text in the product or the code, any case. */
  search?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What get() answers: the contract's plain row with its parties, and with the lists asked for. */
export type ContractView = Lean<Contract> & { parties: Array<Lean<Party>> } & {
  payments?: Array<Lean<Payment>>;
  deliveries?: Array<Lean<Delivery>>;
  disputes?: Array<Lean<Dispute>>;
};

export class ContractService {
  constructor(private readonly ctx: ServiceContext) {}

  private get maxPerTransaction(): number {
    return this.ctx.config.MPESA_MAX_TRANSACTION_KES;
  }

  async create(
    actor: Actor,
    input: CreateContractData & { idempotencyKey?: string | null },
  ): Promise<Contract | ContractView> {
    requireAuthenticated(actor);
    const { idempotencyKey, ...data } = input;
    if (idempotencyKey)
      return idempotent(
        this.ctx,
        actor,
        'createContract',
        idempotencyKey,
        data,
        (em) => new ContractService({ ...this.ctx, em }).create(actor, data),
        (c) => c.id,
        (id) => this.get(actor, id),
      );
    const v = validateContract(
      input,
      this.ctx.now(),
      this.ctx.config.DEFAULT_COUNTRY,
      this.ctx.config.PAYMENT_COUNTRIES,
    );
    if (actor.kind === 'phone' && !v.parties.some((p) => p.phoneNumber === actor.phone))
      throw new DomainError('FORBIDDEN', 'You can only create contracts you are a party to');
    if (actor.kind === 'phone') {
      // A phone user's deal is paid by M-Pesa: whole shillings within the configured limits.
      if (!/^\d+(\.0+)?$/.test(v.totalAmount))
        throw badInput('totalAmount must be whole shillings', { field: 'totalAmount' });
      const limits = amountInLimits(v.totalAmount, this.ctx.config);
      if (limits) throw badInput(`totalAmount must be ${limits.message}`, { field: 'totalAmount' });
    }
    return this.ctx.em.transactional(async (em) => {
      const { parties, ...fields } = v;
      const contract = em.create(Contract, {
        ...fields,
        ...this.feeTerms(fields.totalAmount, fields.feePayer),
        code: await this.freeCode(em),
        terms: fields.terms ?? {},
        createdBy: actorLabel(actor),
        createdAt: this.ctx.now(),
        updatedAt: this.ctx.now(),
      });
      for (const p of parties) {
        // Whoever proposes the deal by phone has agreed to it.
        const acceptedAt = actor.kind === 'phone' && actor.phone === p.phoneNumber ? this.ctx.now() : null;
        contract.parties.add(em.create(Party, { ...p, contract, acceptedAt }));
      }
      audit(em, this.ctx.now(), actor, {
        contractId: contract.id,
        subject: 'contract',
        subjectId: contract.id,
        action: 'created',
        to: contract.status,
      });
      notify(em, this.ctx.now(), 'contract.created', contract.id);
      webhookEvent(em, this.ctx.now(), 'contract.created', contract);
      return contract;
    });
  }

  /** One answer of a contract being drafted, checked as createContract would check it. */
  checkDraft(actor: Actor, field: DraftField, value: string) {
    requireAuthenticated(actor);
    return checkDraftField(field, value, actor.kind === 'phone' ? actor.phone : null, this.ctx.config, this.ctx.now());
  }

  /** This phone's most recent products, newest first, without repeats (the New Contract product list). */
  async recentProducts(actor: Actor, limit = 3): Promise<string[]> {
    requireAuthenticated(actor);
    if (actor.kind !== 'phone') return [];
    const rows = await this.ctx.em.find(Contract, contractScope(actor), {
      fields: ['product'],
      orderBy: { createdAt: 'desc' },
      limit: 20,
    });
    return [...new Set(rows.map((r) => r.product))].slice(0, limit);
  }

  /**
   * A contract as a plain row with its parties and the `lists` a caller will read (a screen of one contract),
   * all in one statement (src/common/lean.ts leanWithLists). NOT_FOUND when missing or not the actor's to see.
   */
  async get(actor: Actor, ref: string, lists: readonly ContractList[] = []): Promise<ContractView> {
    requireAuthenticated(actor);
    const by = this.refWhere(ref);
    const where =
      'id' in by
        ? { name: 'by id', where: 'e0."id" = $1::uuid', values: [by.id] }
        : { name: 'by code', where: 'e0."code" = $1', values: [by.code] };
    const wanted = [
      CONTRACT_LISTS.parties,
      ...CONTRACT_LIST_NAMES.filter((l) => lists.includes(l)).map((l) => CONTRACT_LISTS[l]),
    ];
    const contract = (await leanWithLists(this.ctx.em, Contract, where, wanted)) as ContractView | null;
    if (!contract) throw notFound('Contract', ref);
    assertCanSee(actor, contract, ref);
    return contract;
  }

  /**
   * Contracts by id in one query, each answered as get() answers it: the contract, or NOT_FOUND when it is
   * missing or the actor may not see it. For batch loading (the contract of each payment on a page). The
   * policy's scope decides visibility in the query, so the parties are not loaded for it (GraphQL loads
   * them, batched, if the selection asks).
   */
  async getMany(actor: Actor, ids: readonly string[]): Promise<Array<Lean<Contract> | DomainError>> {
    const rows = await leanFind(this.ctx.em, Contract, { $and: [{ id: { $in: [...ids] } }, contractScope(actor)] });
    const byId = new Map(rows.map((c) => [c.id, c]));
    return ids.map((id) => byId.get(id) ?? notFound('Contract', id));
  }

  /** A read path: plain rows (src/common/lean.ts). */
  async list(actor: Actor, filter: ContractFilter): Promise<Page<Lean<Contract>>> {
    const size = pageSize(filter.first);
    const where: FilterQuery<Contract> = { $and: [contractScope(actor)] };
    if (filter.status?.length) where.$and!.push({ status: { $in: filter.status } });
    if (filter.phoneNumber)
      where.$and!.push({
        parties: { phoneNumber: normalizePhone(filter.phoneNumber, this.ctx.config.DEFAULT_COUNTRY) },
      });
    const found = findFilters(actor, filter, this.ctx.config.DEFAULT_COUNTRY);
    where.$and!.push(...found);
    const after = decodeCursor(filter.after);
    // The scope and a status (every USSD list screen, a partner's plain page) as a prepared statement; other
    // filters through the query builder.
    const rows =
      !filter.phoneNumber && !found.length
        ? await leanPage(this.ctx.em, Contract, {
            ...andAnyOf(contractScopeWhere(actor, 'id'), 'status', filter.status),
            after,
            limit: size + 1,
          })
        : await leanFind(
            this.ctx.em,
            Contract,
            { $and: [where, afterCursor(after)] },
            { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
          );
    return toPage(rows, size, () => this.ctx.em.count(Contract, where));
  }

  async accept(actor: Actor, ref: string): Promise<Outcome<Contract>> {
    return this.ctx.em.transactional(async (em) => {
      const contract = await this.lock(em, actor, ref);
      const party = actingParty(actor, contract);
      if (party.acceptedAt) return alreadyDone(contract, `You already accepted contract ${contract.code}`);
      if (contract.status !== ContractStatus.PENDING)
        throw new DomainError(
          'INVALID_TRANSITION',
          `Contract ${contract.code} is ${contract.status} and can no longer be accepted`,
        );
      party.acceptedAt = this.ctx.now();
      audit(em, this.ctx.now(), actor, {
        contractId: contract.id,
        subject: 'party',
        subjectId: party.id,
        action: 'accepted',
      });
      notify(em, this.ctx.now(), 'contract.accepted', party.id, { contractId: contract.id });
      if (contract.parties.getItems().every((p) => p.acceptedAt)) {
        this.transition(em, actor, contract, ContractStatus.CONFIRMED);
        notify(em, this.ctx.now(), 'contract.confirmed', contract.id);
      }
      return changed(contract);
    });
  }

  async cancel(actor: Actor, ref: string, reason?: string | null): Promise<Outcome<Contract>> {
    if (reason && hasControlCharacters(reason))
      throw badInput('reason must not contain control characters', { field: 'reason' });
    return this.ctx.em.transactional(async (em) => {
      const contract = await this.lock(em, actor, ref);
      assertManages(actor, contract, [PartyRole.BUYER, PartyRole.SELLER]);
      if (contract.status === ContractStatus.CANCELLED)
        return alreadyDone(contract, `Contract ${contract.code} is already cancelled`);
      // An ACTIVE contract holds money: only the escrow closes it (the deadline refund), never a plain cancel.
      if (contract.status === ContractStatus.ACTIVE) throw invalidTransition(contract.status, ContractStatus.CANCELLED);
      this.transition(em, actor, contract, ContractStatus.CANCELLED, { reason: reason?.slice(0, 280) ?? null });
      // A deposit in parts may have some of them in (issue 11): they go back. A part still being paid goes back
      // when it arrives (settlement). Below the limit nothing is held here: one paid part makes it ACTIVE.
      const held = (await accountIn(em, contract)).available;
      await decidePayout(em, actor, contract, { kind: 'REFUND', amount: held }, this.ctx.now(), this.maxPerTransaction);
      notify(em, this.ctx.now(), 'contract.cancelled', contract.id);
      return changed(contract);
    });
  }

  /**
   * A party turns down a proposed deal, or withdraws from it before everyone accepted: only while it is
   * PENDING. It is cancelled with the reason "declined by <role>", and the other parties are told.
   */
  async decline(actor: Actor, ref: string): Promise<Outcome<Contract>> {
    return this.ctx.em.transactional(async (em) => {
      const contract = await this.lock(em, actor, ref);
      const party = actingParty(actor, contract);
      if (contract.status === ContractStatus.CANCELLED)
        return alreadyDone(contract, `Contract ${contract.code} is already cancelled`);
      if (contract.status !== ContractStatus.PENDING)
        throw new DomainError(
          'INVALID_TRANSITION',
          `Contract ${contract.code} is ${contract.status}: only a pending contract can be declined`,
        );
      if (party.acceptedAt)
        throw new DomainError(
          'INVALID_TRANSITION',
          `You accepted contract ${contract.code}; it can no longer be declined`,
        );
      const reason = `declined by ${party.role.toLowerCase()}`;
      this.transition(em, actor, contract, ContractStatus.CANCELLED, { reason });
      notify(em, this.ctx.now(), 'contract.declined', contract.id, { by: party.id });
      return changed(contract);
    });
  }

  /** PENDING contracts whose delivery deadline passed unaccepted. Each in its own transaction. */
  async expireOverdue(actor: Actor, limit = 200): Promise<number> {
    const due = await this.ctx.em.find(
      Contract,
      { status: ContractStatus.PENDING, deliveryDeadline: { $lt: this.ctx.now() } },
      { fields: ['id'], limit },
    );
    let expired = 0;
    for (const { id } of due) {
      await this.ctx.em.transactional(async (em) => {
        const c = await this.lock(em, actor, id);
        if (c.status !== ContractStatus.PENDING) return; // accepted or cancelled meanwhile
        this.transition(em, actor, c, ContractStatus.EXPIRED);
        expired++;
      });
    }
    return expired;
  }

  /** The only place a contract's status changes. */
  transition(
    em: EntityManager,
    actor: Actor,
    contract: Contract,
    to: ContractStatus,
    details: Record<string, unknown> = {},
  ): void {
    const from = contract.status;
    if (!TRANSITIONS[from].includes(to)) throw invalidTransition(from, to);
    contract.status = to;
    contract.updatedAt = this.ctx.now();
    audit(em, this.ctx.now(), actor, {
      contractId: contract.id,
      subject: 'contract',
      subjectId: contract.id,
      action: 'status',
      from,
      to,
      details,
    });
    const event = STATUS_EVENT[to];
    if (event) webhookEvent(em, this.ctx.now(), event, contract);
  }

  /** Row lock (SELECT ... FOR UPDATE) for the rest of the transaction: concurrent commands queue up. */
  async lock(em: EntityManager, actor: Actor, ref: string): Promise<Contract> {
    requireAuthenticated(actor);
    const contract = await em.findOne(Contract, this.refWhere(ref), { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!contract) throw notFound('Contract', ref);
    await em.populate(contract, ['parties'], { refresh: true });
    assertCanSee(actor, contract, ref);
    return contract;
  }

  async partiesOf(contractIds: readonly string[]): Promise<Array<Lean<Party>>> {
    return leanOfContracts(this.ctx.em, Party, contractIds, CONTRACT_LISTS.parties.orderBy);
  }

  /**
   * The fee a contract of this total would carry if created now (the configured rule), who pays it, and what the
   * buyer would deposit: for a screen that shows the fee before the party confirms.
   */
  quoteFee(actor: Actor, totalAmount: string, payer?: FeePayer | null) {
    requireAuthenticated(actor);
    if (!new Decimal(totalAmount).gt(0)) throw badInput('totalAmount must be above 0', { field: 'totalAmount' });
    const terms = this.feeTerms(totalAmount, payer);
    const shares = feeShares(terms.feeAmount, terms.feePayer);
    return {
      ...terms,
      buyerShare: shares.buyer.toFixed(2),
      sellerShare: shares.seller.toFixed(2),
      depositAmount: depositAmountOf({ totalAmount, ...terms }),
    };
  }

  /** The escrow fee, fixed when the deal is made so that both parties see it before they accept (issue 11). */
  private feeTerms(total: string, payer?: FeePayer | null): { feeAmount: string; feePayer: FeePayer } {
    const c = this.ctx.config;
    const fee = feeFor(total, {
      percent: c.ESCROW_FEE_PERCENT,
      minKes: c.ESCROW_FEE_MIN_KES,
      maxKes: c.ESCROW_FEE_MAX_KES,
    });
    return { feeAmount: fee.toFixed(2), feePayer: payer ?? c.ESCROW_FEE_PAYER };
  }

  private refWhere(ref: string): { id: string } | { code: string } {
    const trimmed = (ref ?? '').trim();
    if (UUID.test(trimmed)) return { id: trimmed.toLowerCase() };
    const code = trimmed.toUpperCase();
    if (CONTRACT_CODE_PATTERN.test(code)) return { code };
    throw notFound('Contract', trimmed.slice(0, 40));
  }

  private async freeCode(em: EntityManager): Promise<string> {
    for (let i = 0; i < 5; i++) {
      const code = newContractCode();
      if (!(await em.count(Contract, { code }))) return code;
    }
    throw new DomainError('CONFLICT', 'Could not allocate a contract code; try again');
  }
}
