import { wrap, type EntityManager } from '@mikro-orm/postgresql';
import type { Contract } from '../contract/contract.entity';
import { ContractStatus } from '../contract/contract.enums';
import { enqueue, QUEUES } from '../outbox/outbox';
import type { Payment } from '../payment/payment.entity';
import { WebhookEvent } from './webhook-event.entity';

/** What partners hear (issue 13). The names are the contract with partners: never rename one. */
export const WEBHOOK_EVENT_TYPES = [
  'contract.created',
  'contract.confirmed',
  'contract.active',
  'delivery.reported',
  'contract.completed',
  'contract.cancelled',
  'contract.expired',
  'contract.disputed',
  'dispute.resolved',
  'payment.locked',
  'payment.released',
  'payment.refunded',
  'payment.failed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The event of each status a contract can move to (ContractService.transition). */
export const STATUS_EVENT: Record<ContractStatus, WebhookEventType | null> = {
  PENDING: null,
  CONFIRMED: 'contract.confirmed',
  ACTIVE: 'contract.active',
  COMPLETED: 'contract.completed',
  CANCELLED: 'contract.cancelled',
  EXPIRED: 'contract.expired',
  DISPUTED: 'contract.disputed',
};

/** Job names on the webhooks queue. */
export const WEBHOOK_JOBS = { event: 'event', pump: 'pump', redeliver: 'redeliver' } as const;

const PARTNER = /^partner:([0-9a-f-]{36})$/i;

/**
 * Records an event for the partner that created the contract, in the caller's transaction (the event exists if and
 * only if the change committed), and writes the job that delivers it to the outbox. Contracts created by an admin
 * or a phone have no partner to tell: nothing is written.
 */
export function webhookEvent(
  em: EntityManager,
  at: Date,
  type: WebhookEventType,
  contract: Contract,
  payment?: Payment,
): void {
  const partnerId = PARTNER.exec(contract.createdBy)?.[1];
  if (!partnerId) return;
  const event = em.create(WebhookEvent, {
    partnerId,
    contractId: contract.id,
    type,
    data: { contract: contractData(contract), ...(payment ? { payment: paymentData(payment) } : {}) },
    createdAt: at,
  });
  em.persist(event);
  enqueue(em, at, {
    queue: QUEUES.webhooks,
    name: WEBHOOK_JOBS.event,
    jobId: `webhook-event-${event.id}`,
    data: { eventId: event.id },
  });
}

/** The contract as partners see it in GraphQL (scalars only: parties are theirs already, by the contract's id). */
function contractData(c: Contract): Record<string, unknown> {
  if (!wrap(c).isInitialized()) return { id: c.id };
  return {
    id: c.id,
    code: c.code,
    status: c.status,
    product: c.product,
    quantity: c.quantity,
    unit: c.unit,
    totalAmount: c.totalAmount,
    currency: c.currency,
    deliveryLocation: c.deliveryLocation ?? null,
    deliveryDeadline: c.deliveryDeadline ?? null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

function paymentData(p: Payment): Record<string, unknown> {
  return {
    id: p.id,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    depositReceipt: p.depositReceipt ?? null,
    payoutReceipt: p.payoutReceipt ?? null,
    failureReason: p.failureReason ?? null,
    // A deposit above M-Pesa's per-transaction limit comes in parts: payment.locked for each, this one of how many.
    ...(p.depositPart ? { depositPart: p.depositPart, depositParts: p.depositParts ?? null } : {}),
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}
