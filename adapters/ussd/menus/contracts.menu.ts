import { Decimal, formatMoney } from '../../../src/common/money';
import { maskLocal } from '../../../src/common/phone';
import { eatDay, formatEatTime } from '../../../src/common/east-africa-time';
import { BACK } from '../ussd.engine';
import { alreadyDoneLine } from '../ussd.errors';
import { DOCS } from '../ussd.graphql';
import type { Texts } from '../ussd.texts';
import type { Action, Hop, Menu } from '../ussd.types';

/** The caller's open contracts, one contract's details, and accepting it. */

/** Items fetched per page: at most 8 options, minus `0` (and `98` when more follow). */
export const PAGE_ITEMS = 7;
const OPEN = ['PENDING', 'CONFIRMED', 'ACTIVE', 'DISPUTED'];

interface ContractsData {
  contracts: {
    pageInfo: { hasNextPage: boolean };
    nodes: Array<{ id: string; code: string; product: string; status: string }>;
  };
}
interface DetailsData {
  contract: Pick<ContractData['contract'], 'id' | 'code' | 'product' | 'totalAmount' | 'currency' | 'status'> & {
    escrow: { depositLeft: string };
    deliveryOverdue: boolean;
    parties: Array<{ phoneNumber: string; role: string; acceptedAt: string | null }>;
    payments: Array<{ status: string }>;
  };
}

export interface ContractData {
  contract: {
    id: string;
    code: string;
    product: string;
    quantity: string;
    unit: string;
    totalAmount: string;
    currency: string;
    status: string;
    deliveryLocation: string | null;
    deliveryDeadline: string | null;
    feeAmount: string;
    feePayer: string;
    /** The domain's figure: the quantity less the accepted lots. */
    quantityDue: string;
    parties: Array<{ phoneNumber: string; role: string; name: string | null; acceptedAt: string | null }>;
    deliveries: Array<{ kind: string; quantity: string | null; acceptedQuantity: string | null }>;
    disputes: Array<{ reason: string; status: string; outcome: string | null }>;
  };
}

/** A page of contracts from offset `o`; the renderer decides how many fit. */
export async function contractPage(hop: Parameters<Menu['view']>[0], status: string[], o: number) {
  const { data } = await hop.gql.run<ContractsData>(DOCS.contracts, { status, first: Math.min(o + PAGE_ITEMS, 100) });
  // Fetched from the first contract to the last of this page: anything beyond it is a next page.
  return { nodes: data.contracts.nodes.slice(o), moreBeyond: data.contracts.pageInfo.hasNextPage };
}

/** "28 Nov 2026" in Kenya's time; without the year when asked (a deadline days away). */
export function day(iso: string, t: Texts, withYear = true): string {
  const d = eatDay(new Date(iso));
  return `${d.day} ${t.months[d.month]}${withYear ? ` ${d.year}` : ''}`;
}

/** "8 Dec, 14:05" in Kenya's time: a deadline days away, to the minute. */
export const dayTime = (iso: string, t: Texts) => `${day(iso, t, false)}, ${formatEatTime(new Date(iso))}`;

/** The units the New Contract list offers, stored in English (the contract's unit). */
export const UNITS = ['bags', 'kg', 'tonnes', 'litres', 'crates', 'pieces'];

/** A unit from the list in the caller's words; one typed under Other as it was typed. */
export const unitWord = (t: Texts, unit: string) => (UNITS.includes(unit) ? t.units[UNITS.indexOf(unit)] : unit);

/** The escrow fee as a screen shows it ("KES 45 (buyer pays)"), or null when the deal carries none. */
export const feeLine = (t: Texts, currency: string, amount: string, payer: string) =>
  new Decimal(amount).gt(0) ? t.feeOf(formatMoney(currency, amount), payer) : null;

/** 20.500 -> 20.5 */
export const qty = (q: string) => (q.includes('.') ? q.replace(/0+$/, '').replace(/\.$/, '') : q);

/** The whole contract, for the screens beyond its details. */
export const loadContract = async (hop: Hop, id: unknown) =>
  (await hop.gql.run<ContractData>(DOCS.contractFull, { id })).data.contract;

/** The other trading party, by name or masked number; the seller for anyone else. */
export function otherParty(
  c: { parties: Array<{ phoneNumber: string; role: string; name: string | null }> },
  phone: string,
) {
  const me = c.parties.find((x) => x.phoneNumber === phone);
  const want = me?.role === 'SELLER' ? 'BUYER' : 'SELLER';
  const other = c.parties.find((x) => x.role === want)!;
  return { role: want, label: other.name ?? maskLocal(other.phoneNumber) };
}

/** What the partial reports so far add up to (the seller's included): the "Delivered" line, not what is due. */
const deliveredSoFar = (c: ContractData['contract']) =>
  c.deliveries.filter((d) => d.kind === 'PARTIAL').reduce((sum, d) => sum.plus(d.quantity ?? 0), new Decimal(0));

const backLabel = (t: Texts, o: number) => (o > 0 ? t.back : t.backToMain);

export const contractMenus: Record<string, Menu> = {
  contracts: {
    loads: true,
    async view(hop, p) {
      const { t } = hop;
      const o = Number(p.o ?? 0);
      const { nodes, moreBeyond } = await contractPage(hop, OPEN, o);
      const back = { key: '0', label: backLabel(t, o), next: BACK };
      if (!nodes.length) return { body: [t.noContracts], options: [back] };
      return {
        body: [t.yourContracts],
        items: nodes.map((c) => ({
          // `(<status>)` as the issue writes it: the status itself (ACTIVE); the details screen words it (Active).
          label: `${c.code} ${c.product} (${(t.contractStatus[c.status] ?? c.status).toUpperCase()})`,
          next: { go: 'details', p: { c: c.id } },
        })),
        moreBeyond,
        options: [back],
      };
    },
  },
  details: {
    loads: true,
    async view(hop, p) {
      const { t } = hop;
      const c = (await hop.gql.run<DetailsData>(DOCS.contract, { id: p.c })).data.contract;
      const amount = formatMoney(c.currency, c.totalAmount);
      const ref = { c: c.id, code: c.code };
      const me = c.parties.find((party) => party.phoneNumber === hop.phone);
      const options = [];
      if (c.status === 'ACTIVE') options.push({ key: '1', label: t.confirmDelivery, next: { go: 'confirm', p: ref } });
      options.push({ key: '2', label: t.reportIssue, next: { go: 'report', p: ref } });
      if (c.status === 'PENDING' && me && !me.acceptedAt)
        options.push({ key: '3', label: t.acceptContract, next: { act: 'accept', p: ref } });
      // Until everyone accepted, any party may still turn the deal down (the creator withdraws it).
      if (c.status === 'PENDING' && me)
        options.push({ key: '4', label: t.declineContract, next: { go: 'declineAsk', p: ref } });
      // Only the buyer pays, and only while no deposit is under way (a FAILED one is paid again the same way, and
      // so is the rest of a deposit in parts: its collected parts are LOCKED while the contract is CONFIRMED).
      const paying = c.payments.some((x) => x.status === 'PENDING');
      // What M-Pesa will ask for, all prompts together: the total and the buyer's share of the fee, less the parts
      // of a deposit in parts already collected (the API's figure).
      const deposit = formatMoney(c.currency, c.escrow.depositLeft);
      if (c.status === 'CONFIRMED' && me?.role === 'BUYER' && !paying)
        options.push({ key: '5', label: t.pay(deposit), next: { go: 'payAsk', p: { ...ref, amt: deposit } } });
      // The deadline passed with quantity due (the API says when): the buyer's two choices (issue 11).
      if (c.deliveryOverdue && me?.role === 'BUYER') {
        options.push({ key: '6', label: t.extendDeadline, next: { go: 'extendAsk', p: ref } });
        options.push({ key: '7', label: t.refundUndelivered, next: { go: 'refundAsk', p: ref } });
      }
      options.push({ key: '98', label: t.more, next: { go: 'detailsMore', p: ref } });
      options.push({ key: '0', label: t.back, next: BACK });
      return {
        body: [
          t.details,
          c.code,
          `${t.product}: ${c.product}`,
          `${t.value}: ${amount}`,
          `${t.status}: ${t.contractStatus[c.status] ?? c.status}`,
        ],
        options,
      };
    },
  },
  // What else matters about the deal, behind 98 on the details screen.
  detailsMore: {
    loads: true,
    async view(hop, p) {
      const { t } = hop;
      const c = await loadContract(hop, p.c);
      const other = otherParty(c, hop.phone);
      const lines = [
        c.code,
        `${t.quantity}: ${qty(c.quantity)} ${c.unit}`,
        `${other.role === 'SELLER' ? t.seller : t.buyer}: ${other.label}`,
      ];
      if (c.deliveryLocation) lines.push(`${t.deliverTo}: ${c.deliveryLocation}`);
      if (c.deliveryDeadline) lines.push(`${t.deadline}: ${day(c.deliveryDeadline, t)}`);
      // Here rather than on the first screen, whose options leave no room a line is sure to keep.
      const fee = feeLine(t, c.currency, c.feeAmount, c.feePayer);
      if (fee) lines.push(`${t.fee}: ${fee}`);
      const sofar = deliveredSoFar(c);
      if (sofar.gt(0)) lines.push(t.delivered(`${sofar.toFixed()}`, `${qty(c.quantity)} ${c.unit}`));
      const dispute = c.disputes.at(-1);
      if (dispute && c.status === 'DISPUTED') lines.push(t.disputeLine(t.reasons[REASON_INDEX[dispute.reason] ?? 4]));
      else if (dispute?.outcome) lines.push(t.outcomeLine(t.outcomes[dispute.outcome] ?? dispute.outcome));
      return { body: lines, options: [{ key: '0', label: t.back, next: BACK }] };
    },
  },
  declineAsk: {
    view: ({ t }, p) => ({
      body: [t.declineAsk(String(p.code))],
      options: [
        { key: '1', label: t.yes, next: { act: 'decline', p: { c: p.c, code: p.code } } },
        { key: '2', label: t.no, next: BACK },
      ],
    }),
  },
  payAsk: {
    view: ({ t }, p) => ({
      body: [t.payAsk(String(p.amt), String(p.code))],
      options: [
        { key: '1', label: t.confirmChoice, next: { act: 'pay', p: { c: p.c, code: p.code, amt: p.amt } } },
        { key: '2', label: t.cancelChoice, next: BACK },
      ],
    }),
  },
};

const REASON_INDEX: Record<string, number> = {
  NOT_DELIVERED: 0,
  POOR_QUALITY: 1,
  WRONG_QUANTITY: 2,
  PAYMENT_PROBLEM: 3,
  OTHER: 4,
};

interface FundData {
  fundEscrow: { id: string; amount: string; currency: string; depositPart: number | null; depositParts: number | null };
}

export const contractActions: Record<string, Action> = {
  accept: {
    mutates: true,
    async run(hop, p) {
      const code = String(p.code);
      const { notices } = await hop.gql.run(DOCS.accept, { id: p.c });
      return { end: notices.length ? alreadyDoneLine('accept', hop.t, code) : hop.t.accepted(code) };
    },
  },
  decline: {
    mutates: true,
    async run(hop, p) {
      await hop.gql.run(DOCS.decline, { id: p.c });
      return { end: hop.t.declined(String(p.code)) };
    },
  },
  pay: {
    mutates: true,
    async run(hop, p) {
      // The STK push goes out from the outbox after this hop commits, so after the END screen: a phone
      // inside a USSD session cannot show the M-Pesa prompt.
      const { data } = await hop.gql.run<FundData>(DOCS.fund, { id: p.c });
      const f = data.fundEscrow;
      if ((f.depositParts ?? 1) === 1) return { end: hop.t.payPrompt(String(p.amt)) };
      // Above M-Pesa's per-transaction limit: the prompts still to come, this one first.
      const prompts = f.depositParts! - (f.depositPart ?? 1) + 1;
      const first = formatMoney(f.currency, f.amount);
      return { end: prompts > 1 ? hop.t.payPrompts(prompts, first) : hop.t.payPrompt(first) };
    },
  },
};
