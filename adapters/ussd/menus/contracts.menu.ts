import { formatMoney } from '../../../src/common/money';
import { BACK } from '../ussd.engine';
import { alreadyDoneLine } from '../ussd.errors';
import { DOCS } from '../ussd.graphql';
import type { Texts } from '../ussd.texts';
import type { Action, Menu } from '../ussd.types';

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
interface ContractData {
  contract: {
    id: string;
    code: string;
    product: string;
    totalAmount: string;
    currency: string;
    status: string;
    parties: Array<{ phoneNumber: string; acceptedAt: string | null }>;
  };
}

/** A page of contracts from offset `o`; the renderer decides how many fit. */
export async function contractPage(hop: Parameters<Menu['view']>[0], status: string[], o: number) {
  const { data } = await hop.gql.run<ContractsData>(DOCS.contracts, { status, first: Math.min(o + PAGE_ITEMS, 100) });
  // Fetched from the first contract to the last of this page: anything beyond it is a next page.
  return { nodes: data.contracts.nodes.slice(o), moreBeyond: data.contracts.pageInfo.hasNextPage };
}

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
      const { contract: c } = (await hop.gql.run<ContractData>(DOCS.contract, { id: p.c })).data;
      const ref = { c: c.id, code: c.code };
      const me = c.parties.find((party) => party.phoneNumber === hop.phone);
      const options = [];
      if (c.status === 'ACTIVE') options.push({ key: '1', label: t.confirmDelivery, next: { go: 'confirm', p: ref } });
      options.push({ key: '2', label: t.reportIssue, next: { go: 'report', p: ref } });
      if (c.status === 'PENDING' && me && !me.acceptedAt)
        options.push({ key: '3', label: t.acceptContract, next: { act: 'accept', p: ref } });
      options.push({ key: '0', label: t.back, next: BACK });
      return {
        body: [
          t.details,
          c.code,
          `${t.product}: ${c.product}`,
          `${t.value}: ${formatMoney(c.currency, c.totalAmount)}`,
          `${t.status}: ${t.contractStatus[c.status] ?? c.status}`,
        ],
        options,
      };
    },
  },
};

export const contractActions: Record<string, Action> = {
  accept: {
    mutates: true,
    async run(hop, p) {
      const code = String(p.code);
      const { notices } = await hop.gql.run(DOCS.accept, { id: p.c });
      return { end: notices.length ? alreadyDoneLine('accept', hop.t, code) : hop.t.accepted(code) };
    },
  },
};
