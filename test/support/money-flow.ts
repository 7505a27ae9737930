import { phoneActor } from '../../src/auth/actor';
import { Contract } from '../../src/contract/contract.entity';
import { Payment } from '../../src/payment/payment.entity';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import type { TestApp } from './app';
import { domainOf } from './drive';
import { BUYER } from './fixtures';

/** Timings that keep the money tests fast; each still goes through the real queues, workers and providers. */
export const FAST = {
  OUTBOX_POLL_MS: '50',
  JOB_BACKOFF_MS: '100',
  JOB_LOCK_MS: '2000',
  PROVIDER_TIMEOUT_MS: '500',
  PAYOUT_IN_DOUBT_SECONDS: '1',
  SANDBOX_SETTLE_MS: '50',
  ESCROW_RELEASE_HOURS: '48',
};

export { confirmedContract } from './ussd-fixtures';

export async function paymentOf(app: TestApp, contractId: string): Promise<Payment> {
  const [p] = await app.running.orm.em
    .fork()
    .find(Payment, { contract: contractId }, { orderBy: { createdAt: 'desc' }, limit: 1 });
  if (!p) throw new Error(`no payment for contract ${contractId}`);
  return p;
}

export async function statusOf(app: TestApp, contractId: string): Promise<string> {
  return (await app.running.orm.em.fork().findOneOrFail(Contract, contractId)).status;
}

/** How many times an audited action happened to a subject (e.g. 'payout-sending' on a payment). */
export async function auditCount(app: TestApp, subjectId: string, action: string): Promise<number> {
  return app.running.orm.em.fork().count(AuditEvent, { subjectId, action });
}

/** Funds the escrow through the buyer and waits for the provider (sandbox or fake M-Pesa) to lock it. */
export async function fundAndWaitLocked(
  app: TestApp,
  contractId: string,
  wait: <T>(f: () => Promise<T | false>) => Promise<T>,
): Promise<Payment> {
  await domainOf(app).payments.fundEscrow(phoneActor(BUYER), contractId);
  return wait(async () => {
    const p = await paymentOf(app, contractId);
    return p.status === 'LOCKED' && (await statusOf(app, contractId)) === 'ACTIVE' && p;
  });
}
