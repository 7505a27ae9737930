import type { EntityManager } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { actingParty } from '../auth/policy';
import { freeText } from '../common/text';
import { badInput, DomainError } from '../common/errors';
import { alreadyDone, changed, type Outcome } from '../common/outcome';
import type { Contract } from '../contract/contract.entity';
import { ContractStatus, PartyRole } from '../contract/contract.enums';
import type { ContractService } from '../contract/contract.service';
import type { ServiceContext } from '../domain';
import { enqueue, notify, QUEUES } from '../outbox/outbox';
import { webhookEvent } from '../webhook/webhook.events';
import type { PaymentService } from '../payment/payment.service';
import type { PinService } from '../pin/pin.service';
import { Decimal } from '../common/money';
import { Delivery, DeliveryKind } from './delivery.entity';

export interface ConfirmDeliveryInput {
  contractId: string;
  kind: DeliveryKind;
  quantity?: string | null;
  note?: string | null;
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
   * The buyer's full confirmation accepts the delivery and releases the escrow. The seller's
   * report waits for the buyer, or for the release window to pass with no dispute.
   */
  async confirm(actor: Actor, input: ConfirmDeliveryInput): Promise<Outcome<Delivery>> {
    if (input.quantity != null && !/^\d{1,12}(\.\d{1,3})?$/.test(input.quantity))
      throw badInput('quantity must be a positive number with at most 3 decimals', { field: 'quantity' });
    freeText(input.note, 'note');
    return this.ctx.em.transactional(async (em) => {
      const contract = await this.contracts.lock(em, actor, input.contractId);
      const party = actingParty(actor, contract, [PartyRole.BUYER, PartyRole.SELLER]);
      const accepted = await em.findOne(Delivery, { contract, kind: DeliveryKind.FULL, acceptedAt: { $ne: null } });
      if (accepted) return alreadyDone(accepted, `Delivery for ${contract.code} is already confirmed`);
      if (contract.status !== ContractStatus.ACTIVE)
        throw new DomainError(
          'INVALID_TRANSITION',
          `Contract ${contract.code} is ${contract.status}: only an active contract takes deliveries`,
        );

      if (input.kind === DeliveryKind.PARTIAL) {
        await this.assertPartialFits(em, contract, input.quantity);
        const d = this.record(em, actor, contract, party.role, input);
        notify(em, this.ctx.now(), 'delivery.partial', d.id);
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
        webhookEvent(em, this.ctx.now(), 'delivery.reported', contract);
        enqueue(em, this.ctx.now(), {
          queue: QUEUES.payments,
          name: RELEASE_WINDOW_JOB,
          jobId: `release-window-${d.id}`,
          data: { deliveryId: d.id },
          delayMs: Math.round(this.ctx.config.ESCROW_RELEASE_HOURS * 3600_000),
        });
        return changed(d);
      }
      // The buyer's full confirmation releases the escrow: money out of escrow needs the PIN, checked here once.
      await this.requireReleasePin(actor, input.pin);
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

  /**
   * Every phone user's action that moves money out of escrow calls this once before it does. (The release
   * window and an admin's dispute resolution are not a phone user's act and need no PIN.)
   */
  async requireReleasePin(actor: Actor, pin: string | null | undefined): Promise<void> {
    if (actor.kind === 'phone') await this.pins.requirePin(actor.phone, pin);
  }

  /** What the partial deliveries so far add up to. */
  async deliveredSoFar(em: EntityManager, contract: Contract): Promise<Decimal> {
    const rows = await em.find(Delivery, { contract, kind: DeliveryKind.PARTIAL }, { fields: ['quantity'] });
    return rows.reduce((sum, d) => sum.plus(d.quantity ?? 0), new Decimal(0));
  }

  private async assertPartialFits(em: EntityManager, contract: Contract, quantity: string | null | undefined) {
    if (quantity == null) return; // a partial delivery without a quantity is a note, as before
    const q = new Decimal(quantity);
    if (q.lte(0)) throw badInput('quantity must be greater than 0', { field: 'quantity' });
    const due = new Decimal(contract.quantity).minus(await this.deliveredSoFar(em, contract));
    if (q.gt(due))
      throw badInput(`quantity is more than what is still due (${due.toFixed()} ${contract.unit})`, {
        field: 'quantity',
        due: due.toFixed(),
      });
  }

  async ofContracts(contractIds: readonly string[]): Promise<Delivery[]> {
    return this.ctx.em.find(Delivery, { contract: { $in: [...contractIds] } }, { orderBy: { createdAt: 'asc' } });
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

  private async accept(em: EntityManager, actor: Actor, contract: Contract, d: Delivery): Promise<void> {
    d.acceptedAt = this.ctx.now();
    d.acceptedBy = actor.kind === 'phone' ? actor.phone : actor.kind === 'system' ? `system:${actor.job}` : actor.kind;
    audit(em, this.ctx.now(), actor, {
      contractId: contract.id,
      subject: 'delivery',
      subjectId: d.id,
      action: 'accepted',
    });
    this.contracts.transition(em, actor, contract, ContractStatus.COMPLETED, { deliveryId: d.id });
    notify(em, this.ctx.now(), 'delivery.accepted', d.id);
    await this.payments.requestPayout(em, actor, contract, 'RELEASE');
  }
}
