import type { EntityManager } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { actingParty } from '../auth/policy';
import { freeText } from '../common/text';
import { badInput, DomainError } from '../common/errors';
import { alreadyDone, changed, type Outcome } from '../common/outcome';
import { leanFind, type Lean } from '../common/lean';
import type { Contract } from '../contract/contract.entity';
import { ContractStatus, PartyRole } from '../contract/contract.enums';
import type { ContractService } from '../contract/contract.service';
import type { ServiceContext } from '../domain';
import { enqueue, notify, QUEUES } from '../outbox/outbox';
import type { PaymentService } from '../payment/payment.service';
import { Delivery, DeliveryKind } from './delivery.entity';

export interface ConfirmDeliveryInput {
  contractId: string;
  kind: DeliveryKind;
  quantity?: string | null;
  note?: string | null;
}

export const RELEASE_WINDOW_JOB = 'release-window';

export class DeliveryService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly contracts: ContractService,
    private readonly payments: PaymentService,
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
        enqueue(em, this.ctx.now(), {
          queue: QUEUES.payments,
          name: RELEASE_WINDOW_JOB,
          jobId: `release-window-${d.id}`,
          data: { deliveryId: d.id },
          delayMs: Math.round(this.ctx.config.ESCROW_RELEASE_HOURS * 3600_000),
        });
        return changed(d);
      }
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

  async ofContracts(contractIds: readonly string[]): Promise<Array<Lean<Delivery>>> {
    return leanFind(this.ctx.em, Delivery, { contract: { $in: [...contractIds] } }, { orderBy: { createdAt: 'asc' } });
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
