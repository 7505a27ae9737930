import { BACK, HOME } from '../ussd.engine';
import { alreadyDoneLine } from '../ussd.errors';
import { DOCS, UssdOperationError } from '../ussd.graphql';
import type { Action, Hop, Menu, Params } from '../ussd.types';
import { Decimal, formatMoney as money } from '../../../src/common/money';
import { contractPage, loadContract, otherParty, qty, unitWord, type ContractData } from './contracts.menu';

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
  // How much arrived: at most what is still due, the domain's figure (it checks it again).
  partialQty: {
    loads: true,
    async view(hop, p) {
      const c = await loadContract(hop, p.c);
      if (new Decimal(c.quantityDue).lte(0)) return { body: [hop.t.nothingDue] };
      return {
        body: [hop.t.askReceived(`${qty(c.quantityDue)} ${c.unit}`)],
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

interface LotData {
  contract: Pick<ContractData['contract'], 'id' | 'code' | 'unit' | 'currency' | 'status' | 'quantityDue'> & {
    releaseAmount: string;
    parties: Array<{ phoneNumber: string; role: string; name: string | null }>;
  };
}

/**
 * The buyer's acceptance releases money (issue 11): the question names the amount, the payee and the quantity, all
 * the API's figures (a lot `q`, or all that is due), then the PIN (pin.menu.ts). Null for anyone else.
 */
async function releaseQuestion(hop: Hop, p: Params, lot?: string) {
  const c = (await hop.gql.run<LotData>(DOCS.lot, { id: p.c, q: lot ?? null })).data.contract;
  const me = c.parties.find((x) => x.phoneNumber === hop.phone);
  if (me?.role !== 'BUYER' || c.status !== 'ACTIVE') return null;
  const what = lot ?? c.quantityDue;
  return {
    next: {
      go: 'releaseAsk',
      p: {
        ...ref(p),
        amt: money(c.currency, c.releaseAmount),
        to: otherParty(c, hop.phone).label,
        n: qty(what),
        u: unitWord(hop.t, c.unit),
        ...(lot ? { q: lot } : {}),
      },
    },
  };
}

export const deliveryActions: Record<string, Action> = {
  deliverFull: {
    mutates: true,
    async run(hop, p) {
      const code = String(p.code);
      // The buyer's confirmation releases what is left: say how much for how many, then the PIN.
      const ask = await releaseQuestion(hop, p);
      if (ask) return ask;
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
      try {
        // A lot the buyer accepts is paid for at once (issue 11). Above what is due, the API refuses the quote
        // (BAD_USER_INPUT), as it refuses the lot itself.
        const ask = await releaseQuestion(hop, p, quantity);
        if (ask) return ask;
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
