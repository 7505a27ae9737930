import { BACK } from '../ussd.engine';
import { DOCS } from '../ussd.graphql';
import { clip } from '../ussd.renderer';
import type { Action, Hop, Menu, Params } from '../ussd.types';
import { formatMoney as money } from '../../../src/common/money';
import { dayTime, qty, unitWord } from './contracts.menu';

/**
 * The delivery deadline passed with quantity due (issue 11): the buyer extends it by 7 days, or takes back what was
 * not delivered (money out of escrow: the amount, then the PIN, as a release). Offered on the contract's screen
 * when the API says it is overdue; every figure here is the API's.
 */

interface DeadlineData {
  contract: {
    id: string;
    code: string;
    unit: string;
    currency: string;
    deliveryOverdue: boolean;
    extendedDeadline: string | null;
    quantityDue: string;
    escrow: { available: string };
  };
}

const ref = (p: Params) => ({ c: p.c, code: p.code });
const loadDeadline = async (hop: Hop, p: Params) =>
  (await hop.gql.run<DeadlineData>(DOCS.deadline, { id: p.c })).data.contract;
/** The deal moved on since its screen was shown (delivered, extended, refunded): nothing to ask. */
const notNow = (hop: Hop, code: string) => ({
  body: [hop.t.notNow(code)],
  options: [{ key: '0', label: hop.t.back, next: BACK }],
});

export const deadlineMenus: Record<string, Menu> = {
  extendAsk: {
    loads: true,
    async view(hop, p) {
      const c = await loadDeadline(hop, p);
      if (!c.deliveryOverdue || !c.extendedDeadline) return notNow(hop, c.code);
      return {
        body: [hop.t.extendAsk(c.code, dayTime(c.extendedDeadline, hop.t))],
        options: [
          { key: '1', label: hop.t.yes, next: { act: 'extendDeadline', p: ref(p) } },
          { key: '2', label: hop.t.no, next: BACK },
        ],
      };
    },
  },
  refundAsk: {
    loads: true,
    async view(hop, p) {
      const c = await loadDeadline(hop, p);
      if (!c.deliveryOverdue) return notNow(hop, c.code);
      const amt = money(c.currency, c.escrow.available);
      const n = qty(c.quantityDue);
      const u = unitWord(hop.t, c.unit);
      return {
        body: [],
        titleWith: (max) => hop.t.refundAsk(amt, hop.t.lot(n, clip(u, max))),
        options: [
          // The PIN screens of a release (pin.menu.ts), carrying what the refund needs.
          { key: '1', label: hop.t.yes, next: { act: 'releaseStart', p: { ...ref(p), amt, n, u, op: 'refund' } } },
          { key: '2', label: hop.t.no, next: BACK },
        ],
      };
    },
  },
};

interface ExtendData {
  extendDeliveryDeadline: { id: string; deliveryDeadline: string };
}

export const deadlineActions: Record<string, Action> = {
  extendDeadline: {
    mutates: true,
    async run(hop, p) {
      const code = String(p.code);
      const { data, notices } = await hop.gql.run<ExtendData>(DOCS.extend, { id: p.c });
      const by = dayTime(data.extendDeliveryDeadline.deliveryDeadline, hop.t);
      return { end: notices.length ? hop.t.alreadyExtended(code, by) : hop.t.extended(code, by) };
    },
  },
};
