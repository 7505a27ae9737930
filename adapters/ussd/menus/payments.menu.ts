import { BACK } from '../ussd.engine';
import { DOCS } from '../ussd.graphql';
import type { Menu } from '../ussd.types';
import { formatMoney } from '../../../src/common/money';
import { day, PAGE_ITEMS } from './contracts.menu';

/** The caller's payments, newest first, and one payment's details. */

interface PaymentsData {
  payments: {
    pageInfo: { hasNextPage: boolean };
    nodes: Array<{
      id: string;
      amount: string;
      currency: string;
      status: string;
      createdAt: string;
      contract: { code: string };
    }>;
  };
}

export const paymentMenus: Record<string, Menu> = {
  payments: {
    loads: true,
    async view(hop, p) {
      const { t } = hop;
      const o = Number(p.o ?? 0);
      const { data } = await hop.gql.run<PaymentsData>(DOCS.payments, { first: Math.min(o + PAGE_ITEMS, 100) });
      const nodes = data.payments.nodes.slice(o);
      const back = { key: '0', label: o > 0 ? t.back : t.backToMain, next: BACK };
      if (!nodes.length) return { body: [t.noPayments], options: [back] };
      return {
        body: [t.yourPayments],
        items: nodes.map((x) => ({
          label: `${x.contract.code} ${formatMoney(x.currency, x.amount)} ${t.paymentShort[x.status] ?? x.status}`,
          // The details screen shows what this list already holds: it needs no query of its own.
          next: {
            go: 'payment',
            p: { code: x.contract.code, amt: x.amount, cur: x.currency, st: x.status, at: x.createdAt },
          },
        })),
        moreBeyond: data.payments.pageInfo.hasNextPage,
        options: [back],
      };
    },
  },
  payment: {
    view: ({ t }, p) => ({
      body: [
        t.paymentDetails,
        `${t.contract}: ${p.code}`,
        `${t.amount}: ${formatMoney(String(p.cur), String(p.amt))}`,
        `${t.status}: ${t.paymentLong[String(p.st)] ?? p.st}`,
        `${t.date}: ${day(String(p.at), t)}`,
      ],
      options: [{ key: '0', label: t.back, next: BACK }],
    }),
  },
};
