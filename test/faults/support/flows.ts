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

export type ActiveDeal = Deal & { depositId: string };

/** ACTIVE: the buyer's deposit asked for (admin fundEscrow) and settled by the provider's callback. */
export async function activeContract(url: string, db: Db, product?: string): Promise<ActiveDeal> {
  const deal = await confirmedContract(url, product);
  const res = await gql(url, 'mutation($id: ID!) { fundEscrow(contractId: $id) { id } }', { id: deal.id });
  if (res.status !== 200 || res.body.errors) throw new Error(`fundEscrow: ${JSON.stringify(res.body)}`);
  const depositId = res.body.data.fundEscrow.id as string;
  await depositLocked(db, deal.code, depositId);
  await eventually(async () => (await contractStatus(db, deal.id)) === 'ACTIVE', { what: `${deal.code} ACTIVE` });
  return { ...deal, depositId };
}

/**
 * The deposit settles through the queue, the worker, the provider and its callback: on a busy machine that can
 * take a while, so the wait is long, but it ends at once when the deposit failed (nothing more will come), and its
 * message says where the deposit stopped (row, audit trail, outbox job) instead of only "timed out".
 */
async function depositLocked(db: Db, code: string, depositId: string): Promise<void> {
  let failed: string | null = null;
  try {
    await eventually(
      async () => {
        const { status } = await paymentState(db, depositId);
        if (status === 'FAILED') failed = status;
        return status === 'LOCKED' || failed !== null;
      },
      { what: `the deposit of ${code} to be LOCKED`, timeoutMs: 45_000 },
    );
    if (!failed) return;
  } catch (err) {
    failed = (err as Error).message;
  }
  const [row] = await db.rows(
    'select status, deposit_requested_at, deposit_in_doubt_at, deposit_ref, failure_reason from payments where id = $1',
    [depositId],
  );
  const trail = await db.rows('select action, created_at from audit_events where subject_id = $1 order by created_at', [
    depositId,
  ]);
  const jobs = await db.rows('select job_id, relayed_at from outbox_messages where job_id like $1', [`%${depositId}%`]);
  throw new Error(`the deposit of ${code} is not LOCKED (${failed}): ${JSON.stringify({ row, trail, jobs })}`);
}

export const FULL_DELIVERY_BY_BUYER =
  'END Full delivery confirmed!\nSeller will be notified.\nPayment will be released.';

/** The PIN the suite's buyers create on their first release (test/support/drive.ts has the same one). */
export const TEST_PIN = '2580';

/**
 * A buyer's Full Delivery, from the main menu: Confirm Delivery, the first contract, Full Delivery, "Release ...?"
 * Yes, then the VoicePact PIN: created on this first release (typed twice), as a phone with no PIN does it.
 */
export const FULL_DELIVERY_WITH_NEW_PIN = `2*1*1*1*${TEST_PIN}*${TEST_PIN}`;

/**
 * Walks `buyer`'s session `sessionId` from the main menu to the screen before the last step of
 * FULL_DELIVERY_WITH_NEW_PIN (the PIN typed the second time), checking each screen: the hop that releases the money
 * is then the caller's to send. With several instances' URLs, each hop goes to the next instance.
 */
export async function walkToRelease(
  urls: string | string[],
  buyer: string,
  code: string,
  sessionId: string,
): Promise<void> {
  const steps = FULL_DELIVERY_WITH_NEW_PIN.split('*');
  // The screen each prefix of the path shows: main menu, the deliverable contracts, the contract's delivery menu,
  // the release question, the new PIN, the PIN again.
  const screens = [
    /^CON Welcome/,
    new RegExp(code),
    /1\. Full Delivery/,
    /^CON Release KES 2,500 to /,
    /Create a/,
    /again/,
  ];
  for (const [i, expected] of screens.entries()) {
    const text = steps.slice(0, i).join('*');
    const url = typeof urls === 'string' ? urls : urls[i % urls.length];
    const answer = await hop(url, buyer, text, sessionId);
    if (answer.status !== 200 || !expected.test(answer.body))
      throw new Error(`walking to the release, "${text}" answered ${answer.status} ${answer.body}`);
  }
}

/** The buyer's full delivery with a first PIN, in one request of a fresh session. */
export const confirmFullDelivery = (url: string, buyer: string, sessionId?: string) =>
  hop(url, buyer, FULL_DELIVERY_WITH_NEW_PIN, sessionId);

export interface PaymentRow {
  id: string;
  kind: string;
  status: string;
  payout_ref: string | null;
  contract_id: string;
}

export async function paymentState(db: Db, paymentId: string): Promise<PaymentRow> {
  const [row] = await db.rows('select id, kind, status, payout_ref, contract_id from payments where id = $1', [
    paymentId,
  ]);
  if (!row) throw new Error(`no payment ${paymentId}`);
  return row as never;
}

/**
 * The contract's payout: its RELEASE row (one payment row per movement of money). Throws when there is none yet,
 * and when there is more than one: the suite's contracts are paid in one piece, so a second row is a double payout.
 */
export async function releaseOf(db: Db, contractId: string): Promise<PaymentRow> {
  const rows = await db.rows<PaymentRow>(
    `select id, kind, status, payout_ref, contract_id from payments where contract_id = $1 and kind = 'RELEASE'`,
    [contractId],
  );
  if (rows.length !== 1) throw new Error(`${rows.length} RELEASE rows for contract ${contractId}`);
  return rows[0];
}

/** Waits for the contract's payout to reach `status` (RELEASED: settled by the provider) and returns the row. */
export const releaseReaches = (db: Db, contractId: string, status: string, what: string, timeoutMs = 30_000) =>
  eventually(
    async () => {
      const row = await releaseOf(db, contractId);
      return row.status === status ? row : false;
    },
    { what, timeoutMs },
  );

export async function contractStatus(db: Db, contractId: string): Promise<string> {
  const [row] = await db.rows<{ status: string }>('select status from contracts where id = $1', [contractId]);
  return row?.status;
}

/** A Redis key prefix of its own per service group, so parallel runs never share queues. */
export const freshPrefix = (label: string) => `vpfault-${label}-${randomBytes(4).toString('hex')}`;
