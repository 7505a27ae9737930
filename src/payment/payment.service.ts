import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { assertManages, contractScope } from '../auth/policy';
import { badInput, DomainError } from '../common/errors';
import { isWholeAmount } from '../common/money';
import { alreadyDone, changed, type Outcome } from '../common/outcome';
import { afterCursor, decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../common/pagination';
import type { Contract } from '../contract/contract.entity';
import { ContractStatus, PartyRole } from '../contract/contract.enums';
import type { ContractService } from '../contract/contract.service';
import type { ServiceContext } from '../domain';
import { enqueue, QUEUES } from '../outbox/outbox';
import { idempotent } from '../idempotency/idempotency.service';
import { Payment, PaymentStatus } from './payment.entity';

export interface PaymentFilter extends PageArgs {
  contractId?: string | null;
  status?: PaymentStatus[] | null;
}

export type PayoutKind = 'RELEASE' | 'REFUND';

/** Job names on the payments queue; data is always { paymentId }. */
export const PAYMENT_JOBS = { deposit: 'deposit', depositTimeout: 'deposit-timeout', payout: 'payout' } as const;

export class PaymentService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly contracts: ContractService,
  ) {}

  /** Starts the buyer's deposit into escrow. One at a time per contract. */
  async fundEscrow(actor: Actor, ref: string, idempotencyKey?: string | null): Promise<Outcome<Payment>> {
    if (idempotencyKey)
      return idempotent(
        this.ctx,
        actor,
        'fundEscrow',
        idempotencyKey,
        { contractId: (ref ?? '').trim().toLowerCase() },
        (em) => new PaymentService({ ...this.ctx, em }, this.contracts).fundEscrow(actor, ref),
        (outcome) => outcome.value.id,
        async (id) => changed(await this.ctx.em.findOneOrFail(Payment, { id, contract: contractScope(actor) })),
      );
    return this.ctx.em.transactional(async (em) => {
      const contract = await this.contracts.lock(em, actor, ref);
      assertManages(actor, contract, [PartyRole.BUYER]);
      const open = await em.findOne(Payment, {
        contract,
        status: { $in: [PaymentStatus.PENDING, PaymentStatus.LOCKED] },
      });
      if (open?.status === PaymentStatus.LOCKED)
        return alreadyDone(open, `Escrow for ${contract.code} is already funded`);
      if (open) return alreadyDone(open, `A deposit for ${contract.code} is already in progress`);
      if (contract.status !== ContractStatus.CONFIRMED)
        throw new DomainError(
          'INVALID_TRANSITION',
          `Contract ${contract.code} is ${contract.status}: escrow is funded once every party has accepted`,
        );
      this.assertProviderCanMove(contract);

      const party = (role: PartyRole) => contract.parties.getItems().find((p) => p.role === role)!.phoneNumber;
      const payment = em.create(Payment, {
        contract,
        amount: contract.totalAmount,
        currency: contract.currency,
        payer: party(PartyRole.BUYER),
        payee: party(PartyRole.SELLER),
        provider: this.ctx.config.PAYMENT_PROVIDER,
        status: PaymentStatus.PENDING,
        createdAt: this.ctx.now(),
        updatedAt: this.ctx.now(),
      });
      em.persist(payment);
      audit(em, this.ctx.now(), actor, {
        contractId: contract.id,
        subject: 'payment',
        subjectId: payment.id,
        action: 'deposit-requested',
        to: PaymentStatus.PENDING,
      });
      const data = { paymentId: payment.id };
      enqueue(em, this.ctx.now(), {
        queue: QUEUES.payments,
        name: PAYMENT_JOBS.deposit,
        jobId: `deposit-${payment.id}`,
        data,
      });
      enqueue(em, this.ctx.now(), {
        queue: QUEUES.payments,
        name: PAYMENT_JOBS.depositTimeout,
        jobId: `deposit-timeout-${payment.id}`,
        data,
        delayMs: this.ctx.config.DEPOSIT_TIMEOUT_SECONDS * 1000,
      });
      return changed(payment);
    });
  }

  /**
   * Decides where the escrow goes, inside the caller's transaction: the payout job is written to
   * the outbox with the decision, so it is neither lost (Redis down) nor doubled (deterministic id).
   */
  async requestPayout(em: EntityManager, actor: Actor, contract: Contract, kind: PayoutKind): Promise<Payment | null> {
    const payment = await em.findOne(Payment, { contract, status: PaymentStatus.LOCKED });
    if (!payment) return null; // nothing held: no money moves
    if (payment.payoutKind) return payment; // already decided; the job is on its way
    payment.payoutKind = kind;
    payment.payoutRef = `VP${payment.id.replace(/-/g, '').slice(0, 18).toUpperCase()}`;
    audit(em, this.ctx.now(), actor, {
      contractId: contract.id,
      subject: 'payment',
      subjectId: payment.id,
      action: `${kind.toLowerCase()}-requested`,
    });
    enqueue(em, this.ctx.now(), {
      queue: QUEUES.payments,
      name: PAYMENT_JOBS.payout,
      jobId: `payout-${payment.id}`,
      data: { paymentId: payment.id },
    });
    return payment;
  }

  async list(actor: Actor, filter: PaymentFilter): Promise<Page<Payment>> {
    const size = pageSize(filter.first);
    const where: FilterQuery<Payment> = { contract: contractScope(actor) };
    if (filter.contractId) where.contract = (await this.contracts.get(actor, filter.contractId)).id; // get() checks visibility
    if (filter.status?.length) where.status = { $in: filter.status };
    const rows = await this.ctx.em.find(
      Payment,
      { $and: [where, afterCursor(decodeCursor(filter.after))] },
      {
        orderBy: { createdAt: 'desc', id: 'desc' },
        limit: size + 1,
      },
    );
    return toPage(rows, size, () => this.ctx.em.count(Payment, where));
  }

  async ofContracts(contractIds: readonly string[]): Promise<Payment[]> {
    return this.ctx.em.find(Payment, { contract: { $in: [...contractIds] } }, { orderBy: { createdAt: 'desc' } });
  }

  /** M-Pesa moves whole Kenyan shillings; refuse up front rather than fail at the provider. */
  private assertProviderCanMove(contract: Contract): void {
    if (this.ctx.config.PAYMENT_PROVIDER !== 'mpesa') return;
    if (contract.currency !== 'KES')
      throw badInput(`M-Pesa moves KES only; contract ${contract.code} is in ${contract.currency}`);
    if (!isWholeAmount(contract.totalAmount))
      throw badInput(`M-Pesa moves whole shillings; ${contract.totalAmount} has cents`);
  }
}
