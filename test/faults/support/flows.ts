import { randomBytes, randomInt } from 'node:crypto';
import { eventually } from '../../support/eventually';
import { newSessionId, postUssd, SERVICE_CODE, type Answer } from '../../support/ussd-tester';
import type { Db } from './db';
import { gql } from './service';

/**
 * Money journeys driven from outside, as people and partners drive them: the admin creates a contract over
 * GraphQL, each party accepts on their handset, the buyer's deposit goes through the provider. Nothing is
 * written to the database by hand; the database is only read.
 */

/** A fresh Kenyan mobile number (the +25479 range, random within it). */
export const newPhone = () => `+25479${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;

/** One USSD request as Africa's Talking sends it. */
export function hop(url: string, phone: string, text: string, sessionId: string = newSessionId()): Promise<Answer> {
  return postUssd(url, { sessionId, serviceCode: SERVICE_CODE, phoneNumber: phone, networkCode: '63902', text });
}

export interface Deal {
  id: string;
  code: string;
  buyer: string;
  seller: string;
}

export async function createContract(url: string, product = 'Maize', totalAmount = '2500'): Promise<Deal> {
  const buyer = newPhone();
  const seller = newPhone();
  const res = await gql(url, 'mutation($i: CreateContractInput!) { createContract(input: $i) { id code } }', {
    i: {
      product,
      quantity: '10',
      unit: 'bags',
      totalAmount,
      parties: [
        { phoneNumber: buyer, role: 'BUYER', name: 'Buyer' },
        { phoneNumber: seller, role: 'SELLER', name: 'Seller' },
      ],
    },
  });
  if (res.status !== 200 || res.body.errors) throw new Error(`createContract: ${JSON.stringify(res.body)}`);
  return { ...res.body.data.createContract, buyer, seller };
}

/** The phone's only contract, accepted on the handset: View My Contracts, the first, Accept. */
export async function acceptOnHandset(url: string, phone: string, code: string): Promise<void> {
  const answer = await hop(url, phone, '1*1*3');
  if (answer.body !== `END Contract ${code} accepted.\nYou will get an SMS when it is active.`)
    throw new Error(`accepting ${code} as ${phone}: ${answer.status} ${answer.body}`);
}

/** A contract both parties accepted on their handsets (CONFIRMED). */
export async function confirmedContract(url: string, product?: string): Promise<Deal> {
  const deal = await createContract(url, product);
  await acceptOnHandset(url, deal.buyer, deal.code);
  await acceptOnHandset(url, deal.seller, deal.code);
  return deal;
}

/** ACTIVE: the buyer's deposit asked for (admin fundEscrow) and settled by the provider's callback. */
export async function activeContract(url: string, db: Db, product?: string): Promise<Deal & { paymentId: string }> {
  const deal = await confirmedContract(url, product);
  const res = await gql(url, 'mutation($id: ID!) { fundEscrow(contractId: $id) { id } }', { id: deal.id });
  if (res.status !== 200 || res.body.errors) throw new Error(`fundEscrow: ${JSON.stringify(res.body)}`);
  const paymentId = res.body.data.fundEscrow.id as string;
  await eventually(async () => (await paymentState(db, paymentId)).status === 'LOCKED', {
    what: `the deposit of ${deal.code} to be LOCKED`,
    timeoutMs: 30_000,
  });
  await eventually(async () => (await contractStatus(db, deal.id)) === 'ACTIVE', { what: `${deal.code} ACTIVE` });
  return { ...deal, paymentId };
}

export const FULL_DELIVERY_BY_BUYER =
  'END Full delivery confirmed!\nSeller will be notified.\nPayment will be released.';

/** The buyer's Confirm Delivery, first contract, Full Delivery, in one request of a fresh session. */
export const confirmFullDelivery = (url: string, buyer: string, sessionId?: string) =>
  hop(url, buyer, '2*1*1', sessionId);

export async function paymentState(
  db: Db,
  paymentId: string,
): Promise<{ status: string; payout_ref: string | null; contract_id: string }> {
  const [row] = await db.rows('select status, payout_ref, contract_id from payments where id = $1', [paymentId]);
  if (!row) throw new Error(`no payment ${paymentId}`);
  return row as never;
}

export async function contractStatus(db: Db, contractId: string): Promise<string> {
  const [row] = await db.rows<{ status: string }>('select status from contracts where id = $1', [contractId]);
  return row?.status;
}

/** A Redis key prefix of its own per service group, so parallel runs never share queues. */
export const freshPrefix = (label: string) => `vpfault-${label}-${randomBytes(4).toString('hex')}`;
