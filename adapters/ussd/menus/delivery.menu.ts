import { BACK, HOME } from '../ussd.engine';
import { alreadyDoneLine } from '../ussd.errors';
import { DOCS } from '../ussd.graphql';
import type { Action, Menu, Params } from '../ussd.types';
import { contractPage } from './contracts.menu';

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
        { key: '2', label: t.partialDelivery, next: { act: 'deliverPartial', p: ref(p) } },
        { key: '3', label: t.reportIssue, next: { go: 'report', p: ref(p) } },
        { key: '0', label: t.back, next: BACK },
      ],
    }),
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
      const { notices } = await hop.gql.run(DOCS.confirm, { input: { contractId: p.c, kind: 'PARTIAL' } });
      if (notices.length) return { end: alreadyDoneLine('deliver', hop.t, String(p.code)) };
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
