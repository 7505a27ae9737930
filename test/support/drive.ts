import { phoneActor, systemActor } from '../../src/auth/actor';
import { Contract } from '../../src/contract/contract.entity';
import { createDomain } from '../../src/domain';
import type { TestApp } from './app';
import { ADMIN_KEY } from './app';

/** The domain services over a fresh fork, as a job would use them. */
export const domainOf = (app: TestApp) => createDomain(app.running.orm.em.fork(), app.running.domainDeps);

/**
 * Funds the escrow the way production does: fundEscrow, then the provider's success event through
 * the same settlement path a real callback takes.
 */
export async function fundAndLock(app: TestApp, contractId: string): Promise<string> {
  const res = await app.gql(
    'mutation($id: ID!) { fundEscrow(contractId: $id) { id status } }',
    { id: contractId },
    ADMIN_KEY,
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  const paymentId = res.body.data.fundEscrow.id as string;
  const result = await domainOf(app).settlement.settleDeposit(paymentId, {
    state: 'SUCCEEDED',
    receipt: `RCPT${paymentId.slice(0, 6)}`,
  });
  if (result !== 'applied') throw new Error(`deposit not applied: ${result}`);
  return paymentId;
}

export const system = systemActor('test');

/** The PIN tests give for a buyer's release (issue 9: money out of escrow needs the VoicePact PIN). */
export const TEST_PIN = '2580';

/** Sets TEST_PIN for this phone unless it has one already; returns it. */
export async function ensurePin(app: TestApp, phone: string): Promise<string> {
  try {
    await domainOf(app).pins.setPin(phoneActor(phone), TEST_PIN);
  } catch (err) {
    if ((err as { code?: string }).code !== 'CONFLICT') throw err;
  }
  return TEST_PIN;
}

/** Time passing: the deadline is moved into the past in the database (the API takes future deadlines only). */
export async function passDeadline(app: TestApp, contractId: string, agoMs = 1): Promise<void> {
  await app.running.orm.em
    .fork()
    .nativeUpdate(Contract, { id: contractId }, { deliveryDeadline: new Date(Date.now() - agoMs) });
}
