import { BACK, HOME } from '../ussd.engine';
import { alreadyDoneLine } from '../ussd.errors';
import { DOCS, UssdOperationError } from '../ussd.graphql';
import type { Action, Menu, Params } from '../ussd.types';
import { Decimal, formatMoney as money } from '../../../src/common/money';
import { lotAmount } from '../../../src/escrow/lots';
import { contractPage, loadContract, otherParty, stillDue } from './contracts.menu';

/** Confirming a delivery (full or partial) and reporting an issue, from a contract's details or main menu 2. */

const REASONS = ['NOT_DELIVERED', 'POOR_QUALITY', 'WRONG_QUANTITY', 'PAYMENT_PROBLEM', 'OTHER'] as const;
const ref = (p: Params) => ({ c: p.c, code: p.code });

export const deliveryMenus: Record<string, Menu> = {
  // Main menu 2: the ACTIVE contracts, the only ones that take a delivery.
  deliverable: {
    loads: true,
    async view(hop, p) {
      const { t } = hop;
      const o = Number(p.o ?? 0);
      const { nodes, moreBeyond } = await contractPage(hop, ['ACTIVE'], o);
      const back = { key: '0', label: o > 0 ? t.back : t.backToMain, next: BACK };
      if (!nodes.length) return { body: [t.noDeliveries], options: [back] };
      return {
        body: [t.pickForDelivery],
        items: nodes.map((c) => ({
          label: `${c.code} ${c.product}`,
          next: { go: 'confirm', p: { c: c.id, code: c.code } },
        })),
        moreBeyond,
        options: [back],
      };
    },
  },
  // Static: the contract code came with the option that opened it, so no query.
  confirm: {
    view: ({ t }, p) => ({
      body: [t.confirmDelivery, `${t.contract}: ${p.code}`],
      options: [
        { key: '1', label: t.fullDelivery, next: { act: 'deliverFull', p: ref(p) } },
        { key: '2', label: t.partialDelivery, next: { go: 'partialQty', p: ref(p) } },
        { key: '3', label: t.reportIssue, next: { go: 'report', p: ref(p) } },
        { key: '0', label: t.back, next: BACK },
      ],
    }),
  },
  // How much arrived: at most what is still due (the domain checks it again).
  partialQty: {
    loads: true,
    async view(hop, p) {
      const c = await loadContract(hop, p.c);
      const due = stillDue(c);
      if (due.lte(0)) return { body: [hop.t.nothingDue] };
      return {
        body: [hop.t.askReceived(`${due.toFixed()} ${c.unit}`)],
        otherwise: { act: 'deliverPartial', p: ref(p) },
      };
    },
  },
  partialDone: {
    view: ({ t }) => ({ body: [t.partialNoted, t.partialSms], options: [{ key: '0', label: t.mainMenu, next: HOME }] }),
  },
  report: {
    view: ({ t }, p) => ({
      body: [t.reportIssue],
      options: [
        ...REASONS.map((r, i) => ({
          key: String(i + 1),
          label: t.reasons[i],
          next: { act: 'report', p: { ...ref(p), r } },
        })),
        { key: '0', label: t.back, next: BACK },
      ],
    }),
  },
};

interface ConfirmData {
  confirmDelivery: { id: string; acceptedAt: string | null };
}

export const deliveryActions: Record<string, Action> = {
  deliverFull: {
    mutates: true,
    async run(hop, p) {
      const code = String(p.code);
      const c = await loadContract(hop, p.c);
      const me = c.parties.find((x) => x.phoneNumber === hop.phone);
      // The buyer's confirmation releases the money: say what will happen, then the PIN (pin.menu.ts).
      if (me?.role === 'BUYER' && c.status === 'ACTIVE') {
        const to = otherParty(c, hop.phone).label;
        return { next: { go: 'releaseAsk', p: { ...ref(p), amt: money(c.currency, c.totalAmount), to } } };
      }
      const { data, notices } = await hop.gql.run<ConfirmData>(DOCS.confirm, {
        input: { contractId: p.c, kind: 'FULL' },
      });
      if (notices.length) return { end: alreadyDoneLine('deliver', hop.t, code) };
      // The buyer's confirmation is accepted at once (payment released); the seller's waits for the buyer.
      return { end: data.confirmDelivery.acceptedAt ? hop.t.fullByBuyer : hop.t.fullBySeller };
    },
  },
  deliverPartial: {
    mutates: true,
    async run(hop, p) {
      const quantity = String(p.in ?? '').trim();
      if (!/^\d{1,12}(\.\d{1,3})?$/.test(quantity) || Number(quantity) <= 0)
        return { next: { again: 1 }, flash: hop.t.problems.BAD_NUMBER };
      const c = await loadContract(hop, p.c);
      // The screen said "at most" what is still due; the domain checks it again.
      if (new Decimal(quantity).gt(stillDue(c))) return { next: { again: 1 }, flash: hop.t.problems.TOO_LARGE };
      const me = c.parties.find((x) => x.phoneNumber === hop.phone);
      // A lot the buyer accepts is paid for at once (issue 11): say how much, then the PIN (pin.menu.ts). The
      // amount is worded with the domain's own rule (src/escrow/lots.ts); the domain computes it again.
      if (me?.role === 'BUYER' && c.status === 'ACTIVE') {
        const accepted = c.deliveries.reduce((sum, d) => sum.plus(d.acceptedQuantity ?? 0), new Decimal(0));
        const amount = lotAmount(c.totalAmount, c.quantity, accepted, quantity);
        const to = otherParty(c, hop.phone).label;
        return {
          next: { go: 'releaseAsk', p: { ...ref(p), amt: money(c.currency, amount.toFixed(2)), to, q: quantity } },
        };
      }
      try {
        const { notices } = await hop.gql.run(DOCS.confirm, {
          input: { contractId: p.c, kind: 'PARTIAL', quantity },
        });
        if (notices.length) return { end: alreadyDoneLine('deliver', hop.t, String(p.code)) };
      } catch (err) {
        if (err instanceof UssdOperationError && err.code === 'BAD_USER_INPUT')
          return { next: { again: 1 }, flash: hop.t.problems.TOO_LARGE };
        throw err;
      }
      return { next: { go: 'partialDone', p: { code: p.code } } };
    },
  },
  report: {
    mutates: true,
    async run(hop, p) {
      const { notices } = await hop.gql.run(DOCS.report, { input: { contractId: p.c, reason: p.r } });
      return { end: notices.length ? alreadyDoneLine('report', hop.t, String(p.code)) : hop.t.reported };
    },
  },
};
