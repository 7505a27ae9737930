import { formatEatDateTime } from '../common/east-africa-time';
import { Decimal, formatMoney as money } from '../common/money';
import { maskLocal, maskPhone } from '../common/phone';
import { Contract } from '../contract/contract.entity';
import { ContractStatus, PartyRole } from '../contract/contract.enums';
import type { Party } from '../contract/party.entity';
import { Delivery, DeliveryKind } from '../delivery/delivery.entity';
import { acceptedQuantityOf, accountIn, grossLeft } from '../escrow/escrow.ledger';
import { lotAmount, quantityDue } from '../escrow/lots';
import { Dispute } from '../dispute/dispute.entity';
import type { ServiceContext } from '../domain';
import type { NotificationEvent } from '../outbox/outbox';
import { Payment } from '../payment/payment.entity';
import { Language } from '../profile/profile.entity';
import { InboundSms } from './inbound-sms.entity';
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
        const creator = c.parties.getItems().find((p) => p.phoneNumber === c.createdBy);
        // With a fee, the text that asks for acceptance says it (issue 11): the fee is agreed with the deal.
        const withFee = new Decimal(c.feeAmount ?? 0).gt(0);
        return this.each(toAsk, withFee ? 'createdWithFee' : 'created', (p) => ({
          ...this.vars(c),
          role: p.role,
          who: creator ? (creator.name ?? maskLocal(creator.phoneNumber)) : 'VoicePact',
          fee: money(c.currency, new Decimal(c.feeAmount ?? 0).toFixed(2)),
          feePayer: c.feePayer,
        }));
      }
      case 'contract.confirmed': {
        const c = await em.findOneOrFail(Contract, subjectId, { populate: ['parties'] });
        return [
          ...(await this.each(this.role(c, PartyRole.BUYER), 'confirmedBuyer', () => this.vars(c))),
          ...(await this.each(this.role(c, PartyRole.SELLER), 'confirmedSeller', () => this.vars(c))),
        ];
      }
      case 'contract.declined': {
        const c = await em.findOneOrFail(Contract, subjectId, { populate: ['parties'] });
        const by = c.parties.getItems().find((p) => p.id === data.by);
        const others = c.parties.getItems().filter((p) => p.id !== data.by);
        return this.each(others, 'declined', () => ({ ...this.vars(c), role: by?.role ?? 'OTHER' }));
      }
      case 'delivery.partial': {
        const d = await em.findOneOrFail(Delivery, subjectId, { populate: ['contract.parties'] });
        const c = d.contract;
        const delivered = await this.ctx.em.find(Delivery, { contract: c, kind: 'PARTIAL' as Delivery['kind'] });
        const sum = delivered.reduce((acc, x) => acc.plus(x.quantity ?? 0), new Decimal(0));
        const others = c.parties
          .getItems()
          .filter((p) => p.phoneNumber !== d.reportedBy && (p.role === PartyRole.BUYER || p.role === PartyRole.SELLER));
        return this.each(others, 'partialDelivery', () => ({
          ...this.vars(c),
          role: d.reporterRole,
          qty: trimQty(d.quantity ?? '0'),
          delivered: trimQty(sum.toFixed()),
          total: `${trimQty(c.quantity)} ${c.unit}`,
        }));
      }
      case 'sms.reply': {
        const sms = await em.findOne(InboundSms, subjectId);
        return sms ? [await this.replyTo(sms)] : [];
      }
      case 'pin.locked':
      case 'pin.reset': {
        const phone = String(data.phone ?? '');
        if (!phone) return [];
        const lang = await this.profiles.language(phone);
        const key = event === 'pin.locked' ? 'pinLocked' : 'pinReset';
        return [
          {
            to: phone,
            text: text(key, lang, {
              attempts: String(this.ctx.config.PIN_MAX_ATTEMPTS),
              minutes: String(this.ctx.config.PIN_LOCK_MINUTES),
              support: this.ctx.config.SUPPORT_PHONE,
            }),
          },
        ];
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
      case 'webhook.disabled':
        return this.support('webhookDisabled', {
          ref: subjectId.slice(0, 8),
          code: String(data.partnerId ?? '').slice(0, 8),
          reason: `${this.ctx.config.WEBHOOK_DISABLE_AFTER_HOURS} h`,
        });
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
      case 'release.warning':
        return this.releaseWarning(subjectId);
      case 'delivery.overdue':
      case 'refund.warning':
      case 'deadline.extended':
        return this.deadlineTexts(event, subjectId, String(data.deadline ?? ''));
      default:
        return []; // contract.accepted, delivery.accepted: no SMS (payment.released follows acceptance)
    }
  }

  /** Sent late: says nothing when the money will not move by itself after all (accepted, disputed, closed). */
  private async releaseWarning(deliveryId: string): Promise<Sms[]> {
    const d = await this.ctx.em.findOneOrFail(Delivery, deliveryId, { populate: ['contract.parties'] });
    const c = d.contract;
    if (d.acceptedAt || c.status !== ContractStatus.ACTIVE) return [];
    const before = await acceptedQuantityOf(this.ctx.em, c);
    const available = grossLeft(c, await accountIn(this.ctx.em, c));
    const lot = d.kind === DeliveryKind.FULL || d.quantity == null ? quantityDue(c.quantity, before) : d.quantity;
    const complete = before.add(lot).gte(c.quantity);
    const amount = complete ? available : Decimal.min(lotAmount(c.totalAmount, c.quantity, before, lot), available);
    const seller = this.role(c, PartyRole.SELLER)[0];
    const at = formatEatDateTime(new Date(d.createdAt.getTime() + this.ctx.config.ESCROW_RELEASE_HOURS * 3600_000));
    return this.each(this.role(c, PartyRole.BUYER), 'releaseWarning', () => ({
      ...this.vars(c),
      money: money(c.currency, amount.toFixed(2)),
      name: seller?.name || maskPhone(seller?.phoneNumber),
      at,
    }));
  }

  /**
   * The deadline passed (both parties), the refund is near (the seller), or the buyer moved the deadline (the
   * seller): only while that deadline stands.
   */
  private async deadlineTexts(event: NotificationEvent, contractId: string, deadline: string): Promise<Sms[]> {
    const c = await this.ctx.em.findOneOrFail(Contract, contractId, { populate: ['parties'] });
    if (c.status !== ContractStatus.ACTIVE || !c.deliveryDeadline) return [];
    // An extension clears deadlineNotifiedAt (the new deadline has not passed): only the passed one needs it.
    if (event !== 'deadline.extended' && !c.deadlineNotifiedAt) return [];
    if (deadline && c.deliveryDeadline.toISOString() !== deadline) return []; // extended since
    const due = quantityDue(c.quantity, await acceptedQuantityOf(this.ctx.em, c));
    const available = (await accountIn(this.ctx.em, c)).available;
    const v = {
      ...this.vars(c),
      qty: due.toFixed(3).replace(/\.?0+$/, ''),
      money: money(c.currency, available.toFixed(2)),
      at: formatEatDateTime(new Date(c.deliveryDeadline.getTime() + this.ctx.config.DELIVERY_GRACE_SECONDS * 1000)),
    };
    if (event === 'refund.warning') return this.each(this.role(c, PartyRole.SELLER), 'refundWarning', () => v);
    if (event === 'deadline.extended')
      return this.each(this.role(c, PartyRole.SELLER), 'deadlineExtended', () => ({
        ...v,
        at: formatEatDateTime(c.deliveryDeadline!),
      }));
    return [
      ...(await this.each(this.role(c, PartyRole.BUYER), 'overdueBuyer', () => v)),
      ...(await this.each(this.role(c, PartyRole.SELLER), 'overdueSeller', () => v)),
    ];
  }

  /** HELP (or MSAADA), STATUS VP-XXXXXX to a party of it; anything else is answered as HELP. */
  private async replyTo(sms: InboundSms): Promise<Sms> {
    const words = sms.text.trim().toUpperCase();
    const lang = /^MSAADA\b/.test(words) ? Language.SW : await this.profiles.language(sms.fromPhone);
    const base = { ussd: this.ctx.config.USSD_SERVICE_CODE, support: this.ctx.config.SUPPORT_PHONE };
    const status = /^(?:STATUS|HALI)\s+(VP-?[A-Z0-9]{6})\b/.exec(words);
    if (!status) return { to: sms.fromPhone, text: text('smsHelp', lang, base) };
    const code = status[1].includes('-') ? status[1] : `VP-${status[1].slice(2)}`;
    // Only a party of the contract hears about it; anyone else learns nothing, not even that it exists.
    const c = await this.ctx.em.findOne(
      Contract,
      { code, parties: { phoneNumber: sms.fromPhone } },
      { populate: ['parties'] },
    );
    if (!c) return { to: sms.fromPhone, text: text('smsUnknown', lang, { ...base, code }) };
    return { to: sms.fromPhone, text: text('smsStatus', lang, { ...this.vars(c), status: c.status }) };
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
      qty: trimQty(c.quantity),
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

const trimQty = (q: string) => (q.includes('.') ? q.replace(/0+$/, '').replace(/\.$/, '') : q);
