import { maskLocal } from '../../../src/common/phone';
import { UssdOperationError, DOCS } from '../ussd.graphql';
import { clip } from '../ussd.renderer';
import type { Texts } from '../ussd.texts';
import type { Action, ActionResult, Hop, Menu, Params } from '../ussd.types';
import { formatMoney as money } from '../../../src/common/money';
import { day, feeLine, UNITS, unitWord } from './contracts.menu';

/**
 * New Contract: one question a screen. The answers so far travel in the screen params (so a dropped session
 * resumes with them and `0` goes back one question); each answer is checked on the spot by the domain
 * (checkContractField) and a wrong one is asked again with the reason. Confirm runs createContract.
 */

/** Common products after this phone's recent ones. */
const COMMON_PRODUCTS = ['Maize', 'Beans', 'Sorghum', 'Rice', 'Potatoes'];
const PRODUCTS_SHOWN = 5;

/** The draft's answers, without the per-question keys. */
const draft = (p: Params): Params => {
  const { in: _in, f: _f, k: _k, nx: _nx, o: _o, ...rest } = p;
  return rest;
};

/** The screen after each question, and the field checked. */
const ask = (field: string, key: string, nextScreen: string, p: Params) => ({
  act: 'draftAnswer',
  p: { ...draft(p), f: field, k: key, nx: nextScreen },
});

const question = (title: (t: Texts, p: Params) => string, field: string, key: string, nx: string): Menu => ({
  view: (hop, p) => ({ body: [title(hop.t, p)], otherwise: ask(field, key, nx, p) }),
});

const isSeller = (p: Params) => p.r === 'S';

export const newContractMenus: Record<string, Menu> = {
  newRole: {
    view: ({ t }) => ({
      body: [t.youAre],
      options: [
        { key: '1', label: t.selling, next: { go: 'newPhone', p: { r: 'S' } } },
        { key: '2', label: t.buying, next: { go: 'newPhone', p: { r: 'B' } } },
      ],
    }),
  },
  newPhone: question((t, p) => t.askPhone(!isSeller(p)), 'COUNTERPARTY', 'ph', 'newProduct'),
  newProduct: {
    loads: true,
    async view(hop, p) {
      const { data } = await hop.gql.run<{ recentProducts: string[] }>(DOCS.recentProducts);
      const names = [...new Set([...data.recentProducts, ...COMMON_PRODUCTS])].slice(0, PRODUCTS_SHOWN);
      return {
        body: [hop.t.askProduct],
        options: [
          ...names.map((name, i) => ({
            key: String(i + 1),
            label: name,
            next: { act: 'draftAnswer', p: { ...draft(p), f: 'PRODUCT', k: 'pr', nx: 'newQuantity', in: name } },
          })),
          { key: String(names.length + 1), label: hop.t.otherChoice, next: { go: 'newProductName', p: draft(p) } },
        ],
      };
    },
  },
  newProductName: question((t) => t.askProductName, 'PRODUCT', 'pr', 'newQuantity'),
  newQuantity: question((t) => t.askQuantity, 'QUANTITY', 'q', 'newUnit'),
  newUnit: {
    view: ({ t }, p) => ({
      body: [t.askUnit],
      options: [
        ...UNITS.map((unit, i) => ({
          key: String(i + 1),
          label: t.units[i],
          next: { act: 'draftAnswer', p: { ...draft(p), f: 'UNIT', k: 'u', nx: 'newPrice', in: unit } },
        })),
        { key: String(UNITS.length + 1), label: t.otherChoice, next: { go: 'newUnitName', p: draft(p) } },
      ],
    }),
  },
  newUnitName: question((t) => t.askUnitName, 'UNIT', 'u', 'newPrice'),
  newPrice: question((t) => t.askPrice, 'TOTAL_AMOUNT', 'amt', 'newDays'),
  newDays: question((t) => t.askDays, 'DELIVERY_DAYS', 'dl', 'newSummary'),
  // The fee the deal would carry, quoted by the API (the configured rule and payer), shown before Confirm.
  newSummary: {
    loads: true,
    async view(hop, p) {
      const { t } = hop;
      const { data } = await hop.gql.run<FeeQuoteData>(DOCS.feeQuote, { total: String(p.amt) });
      const quote = data.feeQuote;
      const fee = feeLine(t, 'KES', quote.feeAmount, quote.feePayer);
      return {
        body: [],
        // The product and a typed unit (30 characters each) are cut only as far as the sentence needs.
        titleWith: (n) =>
          t.summary(
            isSeller(p),
            String(p.q),
            clip(unitWord(t, String(p.u)), n),
            clip(String(p.pr), n),
            maskLocal(String(p.ph)),
            money('KES', String(p.amt)),
            day(String(p.dl), t, false),
            fee,
          ),
        options: [
          { key: '1', label: t.confirmChoice, next: { act: 'draftCreate', p: draft(p) } },
          { key: '2', label: t.cancelChoice, next: { act: 'draftCancel' } },
        ],
      };
    },
  },
};

interface FeeQuoteData {
  feeQuote: { feeAmount: string; feePayer: string };
}

interface CheckData {
  checkContractField: { ok: boolean; value: string | null; problem: string | null };
}

export const newContractActions: Record<string, Action> = {
  draftAnswer: {
    mutates: false,
    async run(hop, p): Promise<ActionResult> {
      const { data } = await hop.gql.run<CheckData>(DOCS.checkField, { field: p.f, value: String(p.in ?? '') });
      const check = data.checkContractField;
      if (!check.ok) return { next: { again: 1 }, flash: problemLine(hop, String(p.f), check.problem) };
      return { next: { go: String(p.nx), p: { ...draft(p), [String(p.k)]: check.value! } } };
    },
  },
  draftCancel: { mutates: false, run: async ({ t }) => ({ end: t.draftCancelled }) },
  draftCreate: {
    mutates: true,
    async run(hop, p) {
      const mine = isSeller(p) ? 'SELLER' : 'BUYER';
      const theirs = isSeller(p) ? 'BUYER' : 'SELLER';
      try {
        const { data } = await hop.gql.run<{ createContract: { code: string } }>(DOCS.create, {
          input: {
            product: p.pr,
            quantity: p.q,
            unit: p.u,
            totalAmount: p.amt,
            deliveryDeadline: p.dl,
            parties: [
              { phoneNumber: hop.phone, role: mine },
              { phoneNumber: p.ph, role: theirs },
            ],
          },
        });
        return { end: hop.t.created(data.createContract.code, maskLocal(String(p.ph))) };
      } catch (err) {
        // The rules may have changed since the answer was checked (limits, a deadline now past): say which.
        if (err instanceof UssdOperationError && err.code === 'BAD_USER_INPUT') return { end: hop.t.badInput };
        throw err;
      }
    },
  },
};

function problemLine(hop: Hop, field: string, problem: string | null): string {
  const { t, config } = hop;
  if (field === 'TOTAL_AMOUNT' && (problem === 'TOO_SMALL' || problem === 'TOO_LARGE'))
    return t.amountRange(
      money('KES', String(config.CONTRACT_MIN_AMOUNT)),
      money('KES', String(config.CONTRACT_MAX_AMOUNT)),
    );
  return t.problems[problem ?? ''] ?? t.badInput;
}
