import { phoneActor } from '../../src/auth/actor';
import { ADMIN_KEY, type TestApp } from './app';
import { domainOf as domain, fundAndLock } from './drive';
import { BUYER, createContract, SELLER } from './fixtures';

/**
 * Contracts in the states the USSD menus need, reached the way production reaches them: the admin creates,
 * each party accepts, the buyer's deposit is settled through the settlement service (the path a provider
 * callback takes). Nothing is written to tables by hand.
 */

export interface Made {
  id: string;
  code: string;
}

export interface Deal {
  buyer: string;
  seller: string;
  product?: string;
  totalAmount?: string;
  /** Further parties (a mediator, a witness), who accept like the others. */
  others?: Array<{ phoneNumber: string; role: 'MEDIATOR' | 'WITNESS' }>;
}

const input = (d: Deal) => ({
  product: d.product ?? 'Maize',
  totalAmount: d.totalAmount ?? '12000.50',
  parties: [
    { phoneNumber: d.buyer, role: 'BUYER', name: 'Buyer' },
    { phoneNumber: d.seller, role: 'SELLER', name: 'Seller' },
    ...(d.others ?? []),
  ],
});

export async function pendingContract(app: TestApp, deal: Deal): Promise<Made> {
  const c = await createContract(app, input(deal));
  return { id: c.id, code: c.code };
}

/** The money tests' default deal: the fixture phones, and a whole-shilling amount M-Pesa can move. */
const MONEY_DEAL: Deal = { buyer: BUYER, seller: SELLER, totalAmount: '2500' };

/** CONFIRMED: every party accepted. The one such fixture, for the USSD and the money tests. */
export async function confirmedContract(app: TestApp, deal: Deal = MONEY_DEAL): Promise<Made> {
  const c = await pendingContract(app, deal);
  await domain(app).contracts.accept(phoneActor(deal.buyer), c.id);
  await domain(app).contracts.accept(phoneActor(deal.seller), c.id);
  for (const other of deal.others ?? []) await domain(app).contracts.accept(phoneActor(other.phoneNumber), c.id);
  return c;
}

/** ACTIVE: escrow funded and the deposit settled (LOCKED). */
export async function activeContract(app: TestApp, deal: Deal): Promise<Made> {
  const c = await confirmedContract(app, deal);
  await fundAndLock(app, c.id);
  return c;
}

export interface ContractState {
  status: string;
  parties: Array<{ phoneNumber: string; role: string; acceptedAt: string | null }>;
  deliveries: Array<{ kind: string; acceptedAt: string | null; reportedBy: string }>;
  disputes: Array<{ reason: string; status: string }>;
  payments: Array<{ status: string }>;
}

/** What the API says about a contract now (as the admin). */
export async function contractState(app: TestApp, ref: string): Promise<ContractState> {
  const res = await app.gql(
    `query($id: ID!) { contract(id: $id) { status parties { phoneNumber role acceptedAt } deliveries { kind acceptedAt reportedBy }
      disputes { reason status } payments { status } } }`,
    { id: ref },
    ADMIN_KEY,
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.contract;
}

/** A phone's language, set through the API as the person would in the app. */
export async function setLanguageVia(app: TestApp, token: string, language: 'EN' | 'SW'): Promise<void> {
  const res = await app.gql(
    'mutation($l: Language!) { setLanguage(language: $l) { language } }',
    { l: language },
    token,
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
}

let counter = 0;
/** A fresh Kenyan mobile number per call, so each test sees only its own contracts. */
export function newPhone(): string {
  counter++;
  const digits = String((Date.now() % 100000) * 100 + (counter % 100))
    .padStart(7, '0')
    .slice(-7);
  return `+25471${digits}`;
}
