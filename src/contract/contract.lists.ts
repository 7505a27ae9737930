import type { LeanList } from '../common/lean';
import { Delivery } from '../delivery/delivery.entity';
import { Dispute } from '../dispute/dispute.entity';
import { Payment } from '../payment/payment.entity';
import { Party } from './party.entity';

/**
 * A contract's lists and the one order each comes in, wherever it is read: a contract's own statement
 * (ContractService.get) and the DataLoaders of a page (the services' ofContracts). Rows written in one
 * transaction share their createdAt (a RELEASE and its FEE), so the id settles ties alike everywhere.
 */
export const CONTRACT_LISTS = {
  parties: {
    property: 'parties',
    entity: Party,
    orderBy: [
      ['role', 'asc'],
      ['id', 'asc'],
    ],
  },
  payments: {
    property: 'payments',
    entity: Payment,
    orderBy: [
      ['createdAt', 'desc'],
      ['id', 'desc'],
    ],
  },
  deliveries: {
    property: 'deliveries',
    entity: Delivery,
    orderBy: [
      ['createdAt', 'asc'],
      ['id', 'asc'],
    ],
  },
  disputes: {
    property: 'disputes',
    entity: Dispute,
    orderBy: [
      ['createdAt', 'asc'],
      ['id', 'asc'],
    ],
  },
} as const satisfies Record<string, LeanList>;

/**
 * The lists a screen of one contract may ask to come with it (its parties always do), in one fixed order: one
 * set of lists is one statement text.
 */
export const CONTRACT_LIST_NAMES = ['payments', 'deliveries', 'disputes'] as const;
export type ContractList = (typeof CONTRACT_LIST_NAMES)[number];
