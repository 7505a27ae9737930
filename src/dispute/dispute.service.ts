import type { FilterQuery } from '@mikro-orm/postgresql';
import { CONTRACT_LISTS } from '../contract/contract.lists';
import { audit } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { actingParty, requireAdmin } from '../auth/policy';
import { freeText } from '../common/text';
import { badInput, DomainError, notFound } from '../common/errors';
import { alreadyDone, changed, type Outcome } from '../common/outcome';
import { Decimal, parseAmount } from '../common/money';
import { ContractStatus } from '../contract/contract.enums';
import { accountIn, grossLeft } from '../escrow/escrow.ledger';
import { splitHeld } from '../escrow/lots';
import type { ContractService } from '../contract/contract.service';
import type { ServiceContext } from '../domain';
import { notify } from '../outbox/outbox';
import { webhookEvent } from '../webhook/webhook.events';
import type { PaymentService } from '../payment/payment.service';
import { leanOfContracts, type Lean } from '../common/lean';
import { Dispute, DisputeOutcome, DisputeReason, DisputeStatus } from './dispute.entity';

export interface ReportIssueInput {
  contractId: string;
  reason: DisputeReason;
  note?: string | null;
}

export interface ResolveDisputeInput {
  disputeId: string;
  /** RELEASE_TO_SELLER or REFUND_TO_BUYER (all of what is held); or leave it out and give releaseAmount. */
  outcome?: DisputeOutcome | null;
  /** That much of what is held to the seller, the rest to the buyer (issue 11). */
  releaseAmount?: string | null;
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
    if (!input.outcome && input.releaseAmount == null)
      throw badInput('Give an outcome or a releaseAmount', { field: 'outcome' });
    const asked = input.releaseAmount == null ? null : parseShare(input.releaseAmount);
    return this.ctx.em.transactional(async (em) => {
      const found = await em.findOne(Dispute, this.idWhere(input.disputeId), { fields: ['contract'] });
      if (!found) throw notFound('Dispute', input.disputeId);
      const contract = await this.contracts.lock(em, actor, found.contract.id);
      const dispute = await em.findOneOrFail(Dispute, found.id, { refresh: true });
      // What may still go to the seller: what is left of the total (the buyer's unspent fee share is not the seller's).
      const held = grossLeft(contract, await accountIn(em, contract));
      const release = asked ?? (input.outcome === DisputeOutcome.RELEASE_TO_SELLER ? held : new Decimal(0));
      if (dispute.status === DisputeStatus.RESOLVED) {
        const same =
          (!input.outcome || dispute.outcome === input.outcome) &&
          (asked == null || new Decimal(dispute.releaseAmount ?? -1).eq(asked));
        if (same) return alreadyDone(dispute, 'This dispute is already resolved that way');
        throw new DomainError('CONFLICT', `This dispute was already resolved as ${dispute.outcome}`);
      }
      if (release.gt(held))
        throw badInput(`releaseAmount must be at most the ${held.toFixed(2)} held`, { field: 'releaseAmount' });
      const { refund } = splitHeld(held, release);
      // The two ends keep their names; anything between is a split.
      const outcome =
        held.gt(0) && refund.isZero()
          ? DisputeOutcome.RELEASE_TO_SELLER
          : release.isZero()
            ? DisputeOutcome.REFUND_TO_BUYER
            : DisputeOutcome.SPLIT;
      if (input.outcome && asked != null && input.outcome !== outcome)
        throw badInput(`releaseAmount ${release.toFixed(2)} of ${held.toFixed(2)} held is a ${outcome}`, {
          field: 'outcome',
        });
      const decided = input.outcome && asked == null ? input.outcome : outcome;
      dispute.status = DisputeStatus.RESOLVED;
      dispute.outcome = decided;
      dispute.releaseAmount = release.toFixed(2);
      dispute.resolution = note;
      dispute.resolvedAt = this.ctx.now();
      dispute.resolvedBy = actor.kind;
      audit(em, this.ctx.now(), actor, {
        contractId: contract.id,
        subject: 'dispute',
        subjectId: dispute.id,
        action: 'resolved',
        from: 'OPEN',
        to: 'RESOLVED',
        details: { outcome: decided, release: release.toFixed(2), refund: refund.toFixed(2) },
      });
      const completed = decided !== DisputeOutcome.REFUND_TO_BUYER;
      this.contracts.transition(em, actor, contract, completed ? ContractStatus.COMPLETED : ContractStatus.CANCELLED, {
        disputeId: dispute.id,
      });
      // Each part is a payment row of its own with its own payout job: both exactly once.
      await this.payments.requestPayout(em, actor, contract, 'RELEASE', { amount: release });
      await this.payments.requestPayout(em, actor, contract, 'REFUND'); // all that is left: `refund`, and any unspent fee
      notify(em, this.ctx.now(), 'dispute.resolved', dispute.id);
      webhookEvent(em, this.ctx.now(), 'dispute.resolved', contract);
      return changed(dispute);
    });
  }

  async ofContracts(contractIds: readonly string[]): Promise<Array<Lean<Dispute>>> {
    return leanOfContracts(this.ctx.em, Dispute, contractIds, CONTRACT_LISTS.disputes.orderBy);
  }

  private idWhere(id: string): FilterQuery<Dispute> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('Dispute', id.slice(0, 40));
    return { id };
  }
}

/** A share of the escrow: 0 (all to the buyer) or a positive amount with at most two decimals. */
function parseShare(input: string): Decimal {
  if (/^\s*0+(\.0+)?\s*$/.test(input)) return new Decimal(0);
  return new Decimal(parseAmount(input, 'releaseAmount'));
}
