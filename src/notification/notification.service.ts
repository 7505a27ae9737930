import { formatEatDateTime } from '../common/east-africa-time';
import { formatMoney as money } from '../common/money';
import { Contract } from '../contract/contract.entity';
import { PartyRole } from '../contract/contract.enums';
import type { Party } from '../contract/party.entity';
import { Delivery } from '../delivery/delivery.entity';
import { Dispute } from '../dispute/dispute.entity';
import type { ServiceContext } from '../domain';
import type { NotificationEvent } from '../outbox/outbox';
import { Payment } from '../payment/payment.entity';
import type { Language } from '../profile/profile.entity';
import type { ProfileService } from '../profile/profile.service';
import { alertText, text, type AlertKey, type TextKey, type TextVars } from './notification.texts';

export interface Sms {
  to: string;
  text: string;
  /** Which message of the event this is (a text key): with `to`, what a retry remembers as sent. */
  kind?: string;
}

/** The identity of one message of one event: a recipient and which message, never a position in a list. */
export const smsKey = (m: Sms): string => `${m.kind ?? ''}|${m.to}`;

/**
 * Who hears about a domain event, and in which words: decided here from the event and the ids it carries,
 * in each recipient's language. Events without a message (an acceptance, a partial delivery) give none.
 */
export class NotificationService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly profiles: ProfileService,
  ) {}

  async messagesFor(event: NotificationEvent, subjectId: string, data: Record<string, unknown> = {}): Promise<Sms[]> {
    const em = this.ctx.em;
    switch (event) {
      case 'contract.created': {
        const c = await em.findOneOrFail(Contract, subjectId, { populate: ['parties'] });
        // The party who proposed the deal by phone has accepted already: only the others are asked to.
        const toAsk = c.parties.getItems().filter((p) => !p.acceptedAt);
        return this.each(toAsk, 'created', (p) => ({ ...this.vars(c), role: p.role }));
      }
      case 'contract.active': {
        const c = await em.findOneOrFail(Contract, subjectId, { populate: ['parties'] });
        return this.each(this.trading(c), 'active', () => this.vars(c));
      }
      case 'contract.cancelled': {
        const c = await em.findOneOrFail(Contract, subjectId, { populate: ['parties'] });
        return this.each(c.parties.getItems(), 'cancelled', () => this.vars(c));
      }
      case 'delivery.reported': {
        const d = await em.findOneOrFail(Delivery, subjectId, { populate: ['contract.parties'] });
        const releaseAt = formatEatDateTime(
          new Date(d.createdAt.getTime() + this.ctx.config.ESCROW_RELEASE_HOURS * 3600_000),
        );
        return this.each(this.role(d.contract, PartyRole.BUYER), 'deliveryReported', () => ({
          ...this.vars(d.contract),
          releaseAt,
        }));
      }
      case 'payment.released':
      case 'payment.refunded': {
        const p = await em.findOneOrFail(Payment, subjectId, { populate: ['contract.parties'] });
        const v = { ...this.vars(p.contract), money: money(p.currency, p.amount) };
        const released = event === 'payment.released';
        return [
          ...(await this.each(
            this.role(p.contract, PartyRole.SELLER),
            released ? 'releasedSeller' : 'refundedSeller',
            () => v,
          )),
          ...(await this.each(
            this.role(p.contract, PartyRole.BUYER),
            released ? 'releasedBuyer' : 'refundedBuyer',
            () => v,
          )),
        ];
      }
      case 'deposit.failed': {
        const p = await em.findOneOrFail(Payment, subjectId, { populate: ['contract.parties'] });
        return this.each(this.role(p.contract, PartyRole.BUYER), 'depositFailed', () => ({
          ...this.vars(p.contract),
          reason: p.failureReason ?? '',
        }));
      }
      case 'payment.failed': {
        const p = await em.findOneOrFail(Payment, subjectId, { populate: ['contract.parties'] });
        const v = {
          ...this.vars(p.contract),
          money: money(p.currency, p.amount),
          kind: p.payoutKind ?? 'deposit',
          reason: p.failureReason ?? '',
        };
        const waiting = this.role(p.contract, p.payoutKind === 'REFUND' ? PartyRole.BUYER : PartyRole.SELLER);
        return [...(await this.each(waiting, 'payoutDelayed', () => v)), ...this.support('payoutFailed', v)];
      }
      case 'payment.stuck': {
        const p = await em.findOneOrFail(Payment, subjectId, { populate: ['contract'] });
        const v = {
          ...this.vars(p.contract),
          money: money(p.currency, p.amount),
          kind: p.payoutKind ?? '',
          reason: String(data.why ?? ''),
          ref: p.payoutRef ?? '',
        };
        return this.support('payoutStuck', v);
      }
      case 'deposit.unmatched': {
        const p = await em.findOne(Payment, { depositRef: String(data.providerRef ?? '') }, { populate: ['contract'] });
        const amount = typeof data.amount === 'string' ? money('KES', data.amount) : 'unknown amount';
        return this.support('depositUnmatched', {
          ref: subjectId,
          money: amount,
          code: p ? `${p.contract.code}, payment ${p.status}` : 'unknown reference',
        });
      }
      case 'dispute.raised': {
        const d = await em.findOneOrFail(Dispute, subjectId, { populate: ['contract.parties'] });
        const raiser = d.contract.parties.getItems().find((p) => p.phoneNumber === d.raisedBy);
        const others = d.contract.parties.getItems().filter((p) => p.phoneNumber !== d.raisedBy);
        const role = raiser?.role ?? 'OTHER';
        const v = { ...this.vars(d.contract), role, reason: d.reason };
        return [...(await this.each(others, 'disputeRaised', () => v)), ...this.support('disputeRaised', v)];
      }
      case 'dispute.resolved': {
        const d = await em.findOneOrFail(Dispute, subjectId, { populate: ['contract.parties'] });
        return this.each(this.trading(d.contract), 'disputeResolved', () => ({
          ...this.vars(d.contract),
          outcome: d.outcome ?? '',
        }));
      }
      default:
        return []; // contract.accepted, delivery.partial, delivery.accepted: no SMS (payment.released follows acceptance)
    }
  }

  private async each(parties: Party[], key: TextKey, vars: (p: Party, lang: Language) => TextVars): Promise<Sms[]> {
    const out: Sms[] = [];
    for (const p of parties) {
      const lang = await this.profiles.language(p.phoneNumber);
      out.push({ to: p.phoneNumber, text: text(key, lang, vars(p, lang)), kind: key });
    }
    return out;
  }

  private support(key: AlertKey, vars: TextVars): Sms[] {
    const to = this.ctx.config.SUPPORT_ALERT_PHONE;
    return to ? [{ to, text: alertText(key, vars), kind: `alert:${key}` }] : [];
  }

  private vars(c: Contract): TextVars {
    return {
      code: c.code,
      qty: c.quantity.includes('.') ? c.quantity.replace(/0+$/, '').replace(/\.$/, '') : c.quantity,
      unit: c.unit,
      product: c.product,
      money: money(c.currency, c.totalAmount),
      ussd: this.ctx.config.USSD_SERVICE_CODE,
      support: this.ctx.config.SUPPORT_PHONE,
    };
  }

  private trading(c: Contract): Party[] {
    return c.parties.getItems().filter((p) => p.role === PartyRole.BUYER || p.role === PartyRole.SELLER);
  }

  private role(c: Contract, role: PartyRole): Party[] {
    return c.parties.getItems().filter((p) => p.role === role);
  }
}
