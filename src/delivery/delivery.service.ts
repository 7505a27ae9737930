import type { EntityManager } from '@mikro-orm/postgresql';
import { CONTRACT_LISTS } from '../contract/contract.lists';
import { audit } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { actingParty } from '../auth/policy';
import { freeText } from '../common/text';
import { badInput, DomainError } from '../common/errors';
import { alreadyDone, changed, type Outcome } from '../common/outcome';
import { leanOfContracts, type Lean } from '../common/lean';
import type { Contract } from '../contract/contract.entity';
import { ContractStatus, PartyRole } from '../contract/contract.enums';
import type { ContractService } from '../contract/contract.service';
import type { ServiceContext } from '../domain';
import { Decimal } from '../common/money';
import { acceptedQuantityOf, accountIn, grossLeft } from '../escrow/escrow.ledger';
import { quantityDue, releaseFor } from '../escrow/lots';
import { enqueue, notify, QUEUES } from '../outbox/outbox';
import { webhookEvent } from '../webhook/webhook.events';
import type { PaymentService } from '../payment/payment.service';
import type { PinService } from '../pin/pin.service';
import { Delivery, DeliveryKind } from './delivery.entity';

export interface ConfirmDeliveryInput {
  contractId: string;
  kind: DeliveryKind;
  /** PARTIAL: the lot's quantity. A buyer's lot with a quantity releases its price at once (issue 11). */
  quantity?: string | null;
  note?: string | null;
  /** The caller's key: the same confirmation sent again (a replay, a double tap) changes nothing. */
  idempotencyKey?: string | null;
  /** The buyer's VoicePact PIN: required when this confirmation releases money. */
  pin?: string | null;
}

export const RELEASE_WINDOW_JOB = 'release-window';

export class DeliveryService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly contracts: ContractService,
    private readonly payments: PaymentService,
    private readonly pins: PinService,
  ) {}

  /**
   * The buyer's confirmation accepts a delivery and releases what it is worth: a FULL one all that is still due, a
   * PARTIAL one with a quantity (a lot) quantity x unit price (src/escrow/lots.ts). The seller's report waits for
   * the buyer, or for the release window to pass with no dispute. Every buyer-confirmed release goes through here.
   */
  async confirm(actor: Actor, input: ConfirmDeliveryInput): Promise<Outcome<Delivery>> {
    if (input.quantity != null && !/^\d{1,12}(\.\d{1,3})?$/.test(input.quantity))
      throw badInput('quantity must be a positive number with at most 3 decimals', { field: 'quantity' });
    freeText(input.note, 'note');
    if (input.idempotencyKey != null && !/^[\w:.-]{1,64}$/.test(input.idempotencyKey))
      throw badInput('idempotencyKey must be 1 to 64 letters, digits or _ : . -', { field: 'idempotencyKey' });
    return this.ctx.em.transactional(async (em) => {
      const contract = await this.contracts.lock(em, actor, input.contractId);
      const party = actingParty(actor, contract, [PartyRole.BUYER, PartyRole.SELLER]);
      if (input.idempotencyKey) {
        const seen = await em.findOne(Delivery, { contract, idempotencyKey: input.idempotencyKey });
        if (seen) return alreadyDone(seen, `This delivery for ${contract.code} is already recorded`);
      }
      const accepted = await em.findOne(Delivery, { contract, kind: DeliveryKind.FULL, acceptedAt: { $ne: null } });
      if (accepted) return alreadyDone(accepted, `Delivery for ${contract.code} is already confirmed`);
      if (contract.status !== ContractStatus.ACTIVE)
        throw new DomainError(
          'INVALID_TRANSITION',
          `Contract ${contract.code} is ${contract.status}: only an active contract takes deliveries`,
        );

      if (input.kind === DeliveryKind.PARTIAL) {
        // Without a quantity a partial delivery is a note (as before issue 11): it moves no money.
        if (input.quantity != null) {
          const due = quantityDue(contract.quantity, await acceptedQuantityOf(em, contract));
          const lot = new Decimal(input.quantity);
          if (lot.lte(0) || lot.gt(due))
            throw badInput(`quantity must be above 0 and at most the ${trimQty(due)} ${contract.unit} still due`, {
              field: 'quantity',
              due: trimQty(due),
            });
        }
        const d = this.record(em, actor, contract, party.role, input);
        notify(em, this.ctx.now(), 'delivery.partial', d.id);
        if (input.quantity == null) return changed(d);
        if (party.role === PartyRole.BUYER) {
          // A lot the buyer accepts is paid for at once: money out of escrow needs the PIN.
          await this.pins.requireForPayout(actor, input.pin);
          await this.accept(em, actor, contract, d);
        } else this.sellerReported(em, contract, d);
        return changed(d);
      }
      const pending = await em.findOne(
        Delivery,
        { contract, kind: DeliveryKind.FULL, acceptedAt: null },
        { orderBy: { createdAt: 'asc' } },
      );
      if (party.role === PartyRole.SELLER) {
        if (pending)
          return alreadyDone(pending, `Delivery for ${contract.code} is already reported; waiting for the buyer`);
        const d = this.record(em, actor, contract, party.role, input);
        notify(em, this.ctx.now(), 'delivery.reported', d.id);
        this.sellerReported(em, contract, d);
        return changed(d);
      }
      // The buyer's full confirmation releases the escrow: money out of escrow needs the PIN, checked here once.
      await this.pins.requireForPayout(actor, input.pin);
      const d = pending ?? this.record(em, actor, contract, party.role, input);
      await this.accept(em, actor, contract, d);
      return changed(d);
    });
  }

  /** The release window passed: accept the seller's report unless the deal moved on (dispute, confirmation). */
  async acceptAfterWindow(actor: Actor, deliveryId: string): Promise<Outcome<Delivery | null>> {
    return this.ctx.em.transactional(async (em) => {
      const found = await em.findOne(Delivery, deliveryId, { fields: ['contract'] });
      if (!found) return alreadyDone(null, 'Delivery no longer exists');
      const contract = await this.contracts.lock(em, actor, found.contract.id);
      const d = await em.findOneOrFail(Delivery, deliveryId, { refresh: true });
      if (d.acceptedAt) return alreadyDone(d, 'Delivery already accepted');
      if (contract.status !== ContractStatus.ACTIVE)
        return alreadyDone(d, `Contract is ${contract.status}; release window ignored`);
      await this.accept(em, actor, contract, d);
      return changed(d);
    });
  }

  /** What the partial deliveries so far add up to. */
  async deliveredSoFar(em: EntityManager, contract: Contract): Promise<Decimal> {
    const rows = await em.find(Delivery, { contract, kind: DeliveryKind.PARTIAL }, { fields: ['quantity'] });
    return rows.reduce((sum, d) => sum.plus(d.quantity ?? 0), new Decimal(0));
  }

  async ofContracts(contractIds: readonly string[]): Promise<Array<Lean<Delivery>>> {
    return leanOfContracts(this.ctx.em, Delivery, contractIds, CONTRACT_LISTS.deliveries.orderBy);
  }

  private record(
    em: EntityManager,
    actor: Actor,
    contract: Contract,
    role: PartyRole,
    input: ConfirmDeliveryInput,
  ): Delivery {
    const d = em.create(Delivery, {
      contract,
      kind: input.kind,
      quantity: input.quantity ?? null,
      note: freeText(input.note, 'note'),
      idempotencyKey: input.idempotencyKey ?? null,
      reportedBy: actor.kind === 'phone' ? actor.phone : 'unknown',
      reporterRole: role,
      createdAt: this.ctx.now(),
    });
    em.persist(d);
    audit(em, this.ctx.now(), actor, {
      contractId: contract.id,
      subject: 'delivery',
      subjectId: d.id,
      action: `reported-${input.kind.toLowerCase()}`,
    });
    return d;
  }

  /** The seller's report (full, or a lot) is accepted when the window passes; the buyer is warned before. */
  /** A seller's report (the whole quantity or a lot): partners hear of it, and the release window opens. */
  private sellerReported(em: EntityManager, contract: Contract, d: Delivery): void {
    webhookEvent(em, this.ctx.now(), 'delivery.reported', contract);
    this.openReleaseWindow(em, d);
  }

  private openReleaseWindow(em: EntityManager, d: Delivery): void {
    const windowMs = Math.round(this.ctx.config.ESCROW_RELEASE_HOURS * 3600_000);
    enqueue(em, this.ctx.now(), {
      queue: QUEUES.payments,
      name: RELEASE_WINDOW_JOB,
      jobId: `release-window-${d.id}`,
      data: { deliveryId: d.id },
      delayMs: windowMs,
    });
    const warnMs = Math.round(this.ctx.config.RELEASE_WARNING_HOURS * 3600_000);
    notify(em, this.ctx.now(), 'release.warning', d.id, {}, { delayMs: windowMs - warnMs });
  }

  /**
   * Accepts a delivery and releases what it is worth: a lot quantity x unit price (whole shillings, rounded as
   * src/escrow/lots.ts says), the lot that completes the quantity (or a FULL delivery) all that is left.
   */
  private async accept(em: EntityManager, actor: Actor, contract: Contract, d: Delivery): Promise<void> {
    const before = await acceptedQuantityOf(em, contract);
    const due = quantityDue(contract.quantity, before);
    const lot = d.kind === DeliveryKind.FULL || d.quantity == null ? due : Decimal.min(d.quantity, due);
    const complete = before.add(lot).gte(contract.quantity);
    d.acceptedAt = this.ctx.now();
    d.acceptedBy = actor.kind === 'phone' ? actor.phone : actor.kind === 'system' ? `system:${actor.job}` : actor.kind;
    d.acceptedQuantity = lot.toString();
    audit(em, this.ctx.now(), actor, {
      contractId: contract.id,
      subject: 'delivery',
      subjectId: d.id,
      action: 'accepted',
      details: { quantity: d.acceptedQuantity },
    });
    const left = grossLeft(contract, await accountIn(em, contract));
    const amount = releaseFor(contract.totalAmount, contract.quantity, before, lot, left);
    if (complete) {
      this.contracts.transition(em, actor, contract, ContractStatus.COMPLETED, { deliveryId: d.id });
      notify(em, this.ctx.now(), 'delivery.accepted', d.id);
    }
    await this.payments.requestPayout(em, actor, contract, 'RELEASE', { amount, deliveryId: d.id });
  }
}

const trimQty = (q: Decimal) => q.toFixed(3).replace(/\.?0+$/, '');
