import type { EntityManager } from '@mikro-orm/postgresql';
import { audit } from '../audit/audit.service';
import { systemActor, type Actor } from '../auth/actor';
import { actingParty } from '../auth/policy';
import { badInput, DomainError } from '../common/errors';
import { Decimal } from '../common/money';
import { alreadyDone, changed, type Outcome } from '../common/outcome';
import type { Contract } from '../contract/contract.entity';
import { ContractStatus, PartyRole } from '../contract/contract.enums';
import type { ContractService } from '../contract/contract.service';
import { Delivery, DeliveryKind } from '../delivery/delivery.entity';
import type { ServiceContext } from '../domain';
import { enqueue, notify, QUEUES } from '../outbox/outbox';
import { PaymentKind } from '../payment/payment.entity';
import type { PaymentService } from '../payment/payment.service';
import type { PinService } from '../pin/pin.service';
import { accountOf, type Movement } from './accounts';
import { acceptedQuantityIn, acceptedQuantityOf, grossLeft, movementsOf } from './escrow.ledger';
import { quantityDue, releaseFor } from './lots';

/** Payments-queue job: the grace period after a passed delivery deadline is over. Data: { contractId }. */
export const DEADLINE_REFUND_JOB = 'deadline-refund';
/** What "Extend 7 days" adds to the deadline (from the later of the deadline and now). */
export const DEADLINE_EXTENSION_MS = 7 * 86_400_000;

const sweeper = systemActor('delivery-deadline');

type AcceptedRow = { acceptedAt?: Date | null; acceptedQuantity?: string | null };

/**
 * The delivery deadline (issue 11). When an ACTIVE contract passes it with quantity still due, both parties hear
 * of it, the buyer may extend it by 7 days or take back what was not delivered, and if neither happens within
 * DELIVERY_GRACE_SECONDS (and no dispute is open: a dispute makes the contract DISPUTED) the undelivered part is
 * refunded through the payout protocol, exactly once, and the contract closes.
 */
export class EscrowService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly contracts: ContractService,
    private readonly payments: PaymentService,
    private readonly pins: PinService,
  ) {}

  /** What is still to be delivered and paid for: the quantity less the accepted lots (a pending report is not). */
  quantityDue(c: Pick<Contract, 'quantity'>, deliveries: readonly AcceptedRow[]): Decimal {
    return quantityDue(c.quantity, acceptedQuantityIn(deliveries));
  }

  /**
   * ACTIVE and past its delivery deadline: the buyer may extend it or take back what was not delivered. An ACTIVE
   * contract always has quantity due (the lot that completes the quantity completes the contract).
   */
  overdue(c: Pick<Contract, 'status' | 'deliveryDeadline'>): boolean {
    return c.status === ContractStatus.ACTIVE && !!c.deliveryDeadline && c.deliveryDeadline <= this.ctx.now();
  }

  /** The deadline "Extend 7 days" would set now; null when the deadline has not passed (nothing to extend). */
  extendedDeadline(c: Pick<Contract, 'status' | 'deliveryDeadline'>): Date | null {
    return this.overdue(c) ? this.nextDeadline(c.deliveryDeadline!) : null;
  }

  /**
   * What the buyer's acceptance of `lot` more units (all that is due when null) would release now, by the rule the
   * acceptance itself applies (src/escrow/lots.ts): for the screens that ask before the PIN.
   */
  releaseQuote(
    c: Pick<Contract, 'quantity' | 'unit' | 'totalAmount'>,
    deliveries: readonly AcceptedRow[],
    movements: readonly Movement[],
    lot?: string | null,
  ): Decimal {
    const before = acceptedQuantityIn(deliveries);
    const due = quantityDue(c.quantity, before);
    const q = lot == null ? due : new Decimal(lot);
    if (lot != null && (q.lte(0) || q.gt(due)))
      throw badInput(`quantity must be above 0 and at most the ${due.toFixed()} ${c.unit} still due`, {
        field: 'quantity',
        due: due.toFixed(),
      });
    return releaseFor(c.totalAmount, c.quantity, before, q, grossLeft(c, accountOf(movements)));
  }

  private get graceMs(): number {
    return this.ctx.config.DELIVERY_GRACE_SECONDS * 1000;
  }

  /** ACTIVE contracts past their deadline that nobody was told about yet. */
  async passedDeadlines(limit = 100): Promise<string[]> {
    return this.ids(
      `select id from contracts where status = 'ACTIVE' and delivery_deadline < ? and deadline_notified_at is null
       order by delivery_deadline limit ?`,
      [this.ctx.now(), limit],
    );
  }

  /** ACTIVE contracts whose grace period is over: their refund job was lost, or could not act yet. */
  async refundsDue(limit = 100): Promise<string[]> {
    return this.ids(
      `select id from contracts where status = 'ACTIVE' and deadline_notified_at is not null and delivery_deadline < ?
       order by delivery_deadline limit ?`,
      [new Date(this.ctx.now().getTime() - this.graceMs), limit],
    );
  }

  /** The deadline passed: the parties are told, the seller warned before the refund, the refund scheduled. */
  async noticeDeadline(contractId: string): Promise<boolean> {
    return this.ctx.em.transactional(async (em) => {
      const c = await this.contracts.lock(em, sweeper, contractId);
      const deadline = c.deliveryDeadline;
      if (c.status !== ContractStatus.ACTIVE || !deadline || c.deadlineNotifiedAt) return false;
      if (deadline.getTime() > this.ctx.now().getTime()) return false;
      if (quantityDue(c.quantity, await acceptedQuantityOf(em, c)).isZero()) return false;
      c.deadlineNotifiedAt = this.ctx.now();
      audit(em, this.ctx.now(), sweeper, {
        contractId: c.id,
        subject: 'contract',
        subjectId: c.id,
        action: 'deadline-passed',
      });
      // One of each per deadline: an extended deadline that passes again is told about again.
      const key = `${c.id}-${deadline.getTime()}`;
      const data = { deadline: deadline.toISOString() };
      const refundInMs = Math.max(0, deadline.getTime() + this.graceMs - this.ctx.now().getTime());
      const warnMs = this.ctx.config.RELEASE_WARNING_HOURS * 3600_000;
      notify(em, this.ctx.now(), 'delivery.overdue', c.id, data, { key });
      notify(em, this.ctx.now(), 'refund.warning', c.id, data, { key, delayMs: refundInMs - warnMs });
      enqueue(em, this.ctx.now(), {
        queue: QUEUES.payments,
        name: DEADLINE_REFUND_JOB,
        jobId: `${DEADLINE_REFUND_JOB}-${key}`,
        data: { contractId: c.id },
        delayMs: refundInMs,
      });
      return true;
    });
  }

  /** The grace period is over: refund what was not delivered, unless the deal moved on. */
  async refundAfterGrace(contractId: string): Promise<Outcome<Contract | null>> {
    return this.ctx.em.transactional(async (em) => {
      const c = await this.contracts.lock(em, sweeper, contractId);
      if (c.status !== ContractStatus.ACTIVE) return alreadyDone(c, `Contract is ${c.status}; no deadline refund`);
      const deadline = c.deliveryDeadline;
      if (!c.deadlineNotifiedAt || !deadline) return alreadyDone(c, 'The deadline has not passed');
      if (deadline.getTime() + this.graceMs > this.ctx.now().getTime())
        return alreadyDone(c, 'The grace period is not over (the deadline was extended)');
      // A lot the seller reported waits for its release window (or the buyer) before the rest goes back.
      const waiting = await em.count(Delivery, {
        contract: c,
        reporterRole: PartyRole.SELLER,
        acceptedAt: null,
        $or: [{ kind: DeliveryKind.FULL }, { quantity: { $ne: null } }],
      });
      if (waiting) return alreadyDone(c, 'A delivery the seller reported awaits its release window');
      await this.closeWithRefund(em, sweeper, c, 'grace-over');
      return changed(c);
    });
  }

  /** The buyer's "Extend 7 days": only once the deadline passed, so a replay changes nothing. */
  async extendDeadline(actor: Actor, ref: string): Promise<Outcome<Contract>> {
    return this.ctx.em.transactional(async (em) => {
      const c = await this.contracts.lock(em, actor, ref);
      actingParty(actor, c, [PartyRole.BUYER]);
      this.assertActive(c);
      const deadline = c.deliveryDeadline;
      if (!deadline) throw new DomainError('INVALID_TRANSITION', `Contract ${c.code} has no delivery deadline`);
      if (deadline.getTime() > this.ctx.now().getTime())
        return alreadyDone(c, `The delivery deadline of ${c.code} is ${deadline.toISOString()}`);
      c.deliveryDeadline = this.nextDeadline(deadline);
      c.deadlineNotifiedAt = null;
      audit(em, this.ctx.now(), actor, {
        contractId: c.id,
        subject: 'contract',
        subjectId: c.id,
        action: 'deadline-extended',
        details: { from: deadline.toISOString(), to: c.deliveryDeadline.toISOString() },
      });
      // The seller learns the new date: one SMS per extension (keyed by the new deadline).
      notify(
        em,
        this.ctx.now(),
        'deadline.extended',
        c.id,
        { deadline: c.deliveryDeadline.toISOString() },
        { key: `${c.id}-${c.deliveryDeadline.getTime()}` },
      );
      return changed(c);
    });
  }

  /** The buyer's "Refund what was not delivered", once the deadline passed: money out of escrow, so the PIN. */
  async refundUndelivered(actor: Actor, ref: string, pin?: string | null): Promise<Outcome<Contract>> {
    return this.ctx.em.transactional(async (em) => {
      const c = await this.contracts.lock(em, actor, ref);
      actingParty(actor, c, [PartyRole.BUYER]);
      if (c.status !== ContractStatus.ACTIVE) {
        const refunded = (await movementsOf(em, c)).some((p) => p.kind === PaymentKind.REFUND);
        if (refunded) return alreadyDone(c, `What was not delivered on ${c.code} is already being refunded`);
      }
      this.assertActive(c);
      if (!c.deliveryDeadline || c.deliveryDeadline.getTime() > this.ctx.now().getTime())
        throw new DomainError(
          'INVALID_TRANSITION',
          `The delivery deadline of ${c.code} has not passed: the seller may still deliver`,
        );
      await this.pins.requireForPayout(actor, pin);
      await this.closeWithRefund(em, actor, c, 'buyer');
      return changed(c);
    });
  }

  /** Refunds all that is still undecided and closes: COMPLETED when something was delivered, CANCELLED otherwise. */
  private async closeWithRefund(em: EntityManager, actor: Actor, c: Contract, why: string): Promise<void> {
    const delivered = await acceptedQuantityOf(em, c);
    this.contracts.transition(em, actor, c, delivered.gt(0) ? ContractStatus.COMPLETED : ContractStatus.CANCELLED, {
      deadlineRefund: why,
    });
    await this.payments.requestPayout(em, actor, c, 'REFUND');
  }

  private nextDeadline(deadline: Date): Date {
    return new Date(Math.max(deadline.getTime(), this.ctx.now().getTime()) + DEADLINE_EXTENSION_MS);
  }

  private assertActive(c: Contract): void {
    if (c.status !== ContractStatus.ACTIVE)
      throw new DomainError('INVALID_TRANSITION', `Contract ${c.code} is ${c.status}: only an active contract`);
  }

  private async ids(sql: string, params: unknown[]): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.ctx.em.fork().getConnection().execute(sql, params);
    return rows.map((r) => r.id);
  }
}
