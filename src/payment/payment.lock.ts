import { LockMode, NotFoundError, type EntityManager } from '@mikro-orm/postgresql';
import { Contract } from '../contract/contract.entity';
import { Payment } from './payment.entity';

/**
 * Row locks for a change to a payment's money state, always in one order (the contract, then the payment), so
 * two writers never deadlock. Inside the caller's transaction; the payment is read again under its lock.
 * Null when there is no such payment.
 */
export async function lockContractThenPayment(
  em: EntityManager,
  paymentId: string,
): Promise<{ contract: Contract; payment: Payment } | null> {
  const ref = await em.findOne(Payment, paymentId, { fields: ['contract'] });
  if (!ref) return null;
  const contract = await em.findOneOrFail(Contract, ref.contract.id, { lockMode: LockMode.PESSIMISTIC_WRITE });
  const payment = await em.findOneOrFail(Payment, paymentId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  return { contract, payment };
}

/** As lockContractThenPayment, for callers to whom a missing payment is a fault. */
export async function lockContractThenPaymentOrFail(em: EntityManager, paymentId: string) {
  const locked = await lockContractThenPayment(em, paymentId);
  if (!locked) throw NotFoundError.findOneFailed('Payment', paymentId);
  return locked;
}
