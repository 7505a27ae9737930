import type { FilterQuery } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { actingParty, requireAdmin } from '../auth/policy';
import { freeText } from '../common/text';
import { DomainError, notFound } from '../common/errors';
import { alreadyDone, changed, type Outcome } from '../common/outcome';
import { ContractStatus } from '../contract/contract.enums';
import type { ContractService } from '../contract/contract.service';
import type { ServiceContext } from '../domain';
import { notify } from '../outbox/outbox';
import { webhookEvent } from '../webhook/webhook.events';
import type { PaymentService } from '../payment/payment.service';
import { Dispute, DisputeOutcome, DisputeReason, DisputeStatus } from './dispute.entity';

export interface ReportIssueInput {
  contractId: string;
  reason: DisputeReason;
  note?: string | null;
}

export interface ResolveDisputeInput {
  disputeId: string;
  outcome: DisputeOutcome;
  note?: string | null;
}

const OPENABLE = [ContractStatus.PENDING, ContractStatus.CONFIRMED, ContractStatus.ACTIVE];

export class DisputeService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly contracts: ContractService,
    private readonly payments: PaymentService,
  ) {}

  /** Any party may raise one; it stops a pending release, because release checks the contract is ACTIVE. */
  async report(actor: Actor, input: ReportIssueInput): Promise<Outcome<Dispute>> {
    const note = freeText(input.note, 'note');
    return this.ctx.em.transactional(async (em) => {
      const contract = await this.contracts.lock(em, actor, input.contractId);
      const party = actingParty(actor, contract);
      const open = await em.findOne(Dispute, { contract, status: DisputeStatus.OPEN });
      if (open) return alreadyDone(open, `An issue on ${contract.code} is already open; support will contact you`);
      if (!OPENABLE.includes(contract.status))
        throw new DomainError(
          'INVALID_TRANSITION',
          `Contract ${contract.code} is ${contract.status}: it is closed, so issues go to support`,
        );
      const dispute = em.create(Dispute, {
        contract,
        reason: input.reason,
        note,
        raisedBy: party.phoneNumber,
        status: DisputeStatus.OPEN,
        createdAt: this.ctx.now(),
      });
      em.persist(dispute);
      this.contracts.transition(em, actor, contract, ContractStatus.DISPUTED, {
        disputeId: dispute.id,
        reason: input.reason,
      });
      notify(em, this.ctx.now(), 'dispute.raised', dispute.id);
      return changed(dispute);
    });
  }

  async resolve(actor: Actor, input: ResolveDisputeInput): Promise<Outcome<Dispute>> {
    requireAdmin(actor);
    const note = freeText(input.note, 'note');
    return this.ctx.em.transactional(async (em) => {
      const found = await em.findOne(Dispute, this.idWhere(input.disputeId), { fields: ['contract'] });
      if (!found) throw notFound('Dispute', input.disputeId);
      const contract = await this.contracts.lock(em, actor, found.contract.id);
      const dispute = await em.findOneOrFail(Dispute, found.id, { refresh: true });
      if (dispute.status === DisputeStatus.RESOLVED) {
        if (dispute.outcome === input.outcome) return alreadyDone(dispute, 'This dispute is already resolved that way');
        throw new DomainError('CONFLICT', `This dispute was already resolved as ${dispute.outcome}`);
      }
      dispute.status = DisputeStatus.RESOLVED;
      dispute.outcome = input.outcome;
      dispute.resolution = note;
      dispute.resolvedAt = this.ctx.now();
      dispute.resolvedBy = actor.kind;
      const release = input.outcome === DisputeOutcome.RELEASE_TO_SELLER;
      audit(em, this.ctx.now(), actor, {
        contractId: contract.id,
        subject: 'dispute',
        subjectId: dispute.id,
        action: 'resolved',
        from: 'OPEN',
        to: 'RESOLVED',
        details: { outcome: input.outcome },
      });
      this.contracts.transition(em, actor, contract, release ? ContractStatus.COMPLETED : ContractStatus.CANCELLED, {
        disputeId: dispute.id,
      });
      await this.payments.requestPayout(em, actor, contract, release ? 'RELEASE' : 'REFUND');
      notify(em, this.ctx.now(), 'dispute.resolved', dispute.id);
      webhookEvent(em, this.ctx.now(), 'dispute.resolved', contract);
      return changed(dispute);
    });
  }

  async ofContracts(contractIds: readonly string[]): Promise<Dispute[]> {
    return this.ctx.em.find(Dispute, { contract: { $in: [...contractIds] } }, { orderBy: { createdAt: 'asc' } });
  }

  private idWhere(id: string): FilterQuery<Dispute> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('Dispute', id.slice(0, 40));
    return { id };
  }
}
