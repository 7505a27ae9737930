import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { CONTRACT_LISTS } from '../contract/contract.lists';
import { audit } from '../audit/audit.service';
import type { Actor } from '../auth/actor';
import { assertManages, contractScope, contractScopeWhere } from '../auth/policy';
import { badInput, DomainError } from '../common/errors';
import { Decimal, isWholeAmount } from '../common/money';
import { alreadyDone, changed, type Outcome } from '../common/outcome';
import { andAnyOf, leanFind, leanOfContracts, leanPage, type Lean } from '../common/lean';
import { afterCursor, decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../common/pagination';
import { Contract } from '../contract/contract.entity';
import { ContractStatus, PartyRole } from '../contract/contract.enums';
import type { ContractService } from '../contract/contract.service';
import type { ServiceContext } from '../domain';
import { accountIn, decidePayout, grossLeft, movementsOf } from '../escrow/escrow.ledger';
import type { Movement } from '../escrow/accounts';
import { depositPlan, type DepositPlan } from '../escrow/deposit-plan';
import { enqueue, QUEUES } from '../outbox/outbox';
import { idempotent } from '../idempotency/idempotency.service';
import { Payment, PaymentKind, PaymentStatus } from './payment.entity';

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

  /**
   * Starts the buyer's deposit into escrow, or its next missing part: above MPESA_MAX_TRANSACTION_KES the deposit is
   * collected in parts (src/escrow/deposit-plan.ts), one prompt at a time; settlement asks for each next part once
   * the previous one is in. Asked again after a part failed, it starts that part only: collected parts stay.
   */
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
      const deposits = (await movementsOf(em, contract)).filter((p) => p.kind === PaymentKind.DEPOSIT);
      const pending = deposits.find((p) => p.status === PaymentStatus.PENDING);
      if (pending) return alreadyDone(pending, `A deposit for ${contract.code} is already in progress`);
      const plan = this.depositPlan(contract, deposits);
      const collected = deposits.filter((p) => p.status === PaymentStatus.LOCKED).at(-1);
      if (collected && plan.left.isZero())
        return alreadyDone(collected, `Escrow for ${contract.code} is already funded`);
      if (contract.status !== ContractStatus.CONFIRMED)
        throw new DomainError(
          'INVALID_TRANSITION',
          `Contract ${contract.code} is ${contract.status}: escrow is funded once every party has accepted`,
        );
      this.assertProviderCanMove(contract);
      const maxParts = this.ctx.config.MPESA_MAX_DEPOSIT_PARTS;
      if (plan.parts > maxParts)
        throw badInput(
          `The deposit for ${contract.code} would take ${plan.parts} M-Pesa payments; at most ${maxParts} are taken`,
        );
      return changed(await this.askForDepositPart(em, actor, contract, plan));
    });
  }

  /** The deposit's parts: those collected, and what is still to collect within MPESA_MAX_TRANSACTION_KES. */
  depositPlan(
    contract: Pick<Contract, 'totalAmount' | 'feeAmount' | 'feePayer' | 'status'>,
    rows: readonly Movement[],
  ): DepositPlan {
    return depositPlan(contract, rows, this.ctx.config.MPESA_MAX_TRANSACTION_KES);
  }

  /**
   * The next part of the plan as a PENDING deposit row, with its STK push and its own timeout in the outbox, inside
   * the caller's transaction (the contract is locked). The row's deterministic job id makes the push go out once;
   * the unique indexes on payments keep one part PENDING per contract and each part number collected once.
   */
  async askForDepositPart(em: EntityManager, actor: Actor, contract: Contract, plan: DepositPlan): Promise<Payment> {
    await em.populate(contract, ['parties']);
    const party = (role: PartyRole) => contract.parties.getItems().find((p) => p.role === role)!.phoneNumber;
    const now = this.ctx.now();
    const payment = em.create(Payment, {
      contract,
      amount: plan.next!.toFixed(2), // of the total plus the buyer's share of the fee (depositAmountOf)
      depositPart: plan.paid + 1,
      depositParts: plan.parts,
      currency: contract.currency,
      payer: party(PartyRole.BUYER),
      payee: party(PartyRole.SELLER),
      provider: this.ctx.config.PAYMENT_PROVIDER,
      status: PaymentStatus.PENDING,
      createdAt: now,
      updatedAt: now,
    });
    em.persist(payment);
    audit(em, now, actor, {
      contractId: contract.id,
      subject: 'payment',
      subjectId: payment.id,
      action: 'deposit-requested',
      to: PaymentStatus.PENDING,
      ...(plan.parts > 1 ? { details: { amount: payment.amount, part: plan.paid + 1, of: plan.parts } } : {}),
    });
    const data = { paymentId: payment.id };
    enqueue(em, now, { queue: QUEUES.payments, name: PAYMENT_JOBS.deposit, jobId: `deposit-${payment.id}`, data });
    enqueue(em, now, {
      queue: QUEUES.payments,
      name: PAYMENT_JOBS.depositTimeout,
      jobId: `deposit-timeout-${payment.id}`,
      data,
      delayMs: this.ctx.config.DEPOSIT_TIMEOUT_SECONDS * 1000,
    });
    return payment;
  }

  /**
   * Decides where what is still held goes, inside the caller's transaction: a RELEASE or REFUND row of its own with
   * its payout job in the outbox (src/escrow/escrow.ledger.ts), so it is neither lost (Redis down) nor doubled
   * (deterministic id). `amount` defaults to all that is still undecided; null when nothing is held.
   * Every release and refund passes here: lots, the full confirmation, disputes, the deadline refund; only the
   * cancellation of a partly paid deposit calls decidePayout itself (ContractService comes before this service).
   */
  async requestPayout(
    em: EntityManager,
    actor: Actor,
    contract: Contract,
    kind: PayoutKind,
    opts: { amount?: Decimal.Value; deliveryId?: string } = {},
  ): Promise<Payment | null> {
    const account = opts.amount == null ? await accountIn(em, contract) : null;
    // By default: a release pays for all that is left of the total, a refund returns all that is still available.
    const amount = new Decimal(
      opts.amount ?? (kind === 'RELEASE' ? grossLeft(contract, account!) : account!.available),
    );
    return decidePayout(
      em,
      actor,
      contract,
      { kind, amount, deliveryId: opts.deliveryId },
      this.ctx.now(),
      this.ctx.config.MPESA_MAX_TRANSACTION_KES,
    );
  }

  /** A read path: plain rows (src/common/lean.ts). */
  async list(actor: Actor, filter: PaymentFilter): Promise<Page<Lean<Payment>>> {
    const size = pageSize(filter.first);
    const where: FilterQuery<Payment> = { contract: contractScope(actor) };
    if (filter.contractId) where.contract = (await this.contracts.get(actor, filter.contractId)).id; // get() checks visibility
    if (filter.status?.length) where.status = { $in: filter.status };
    const after = decodeCursor(filter.after);
    // The contract comes in the same statement: the scope above already limits rows to contracts the actor sees.
    // The scope and a status (the USSD payments screen) as a prepared statement.
    const rows = !filter.contractId
      ? await leanPage(this.ctx.em, Payment, {
          ...andAnyOf(contractScopeWhere(actor, 'contract_id'), 'status', filter.status),
          after,
          limit: size + 1,
          join: { property: 'contract', entity: Contract },
        })
      : await leanFind(
          this.ctx.em,
          Payment,
          { $and: [where, afterCursor(after)] },
          { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1, join: ['contract'] },
        );
    return toPage(rows, size, () => this.ctx.em.count(Payment, where));
  }

  async ofContracts(contractIds: readonly string[]): Promise<Array<Lean<Payment>>> {
    return leanOfContracts(this.ctx.em, Payment, contractIds, CONTRACT_LISTS.payments.orderBy);
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
