export enum ContractStatus {
  PENDING = 'PENDING',
  CONFIRMED = 'CONFIRMED',
  ACTIVE = 'ACTIVE',
  COMPLETED = 'COMPLETED',
  DISPUTED = 'DISPUTED',
  CANCELLED = 'CANCELLED',
  EXPIRED = 'EXPIRED',
}

export enum PartyRole {
  BUYER = 'BUYER',
  SELLER = 'SELLER',
  MEDIATOR = 'MEDIATOR',
  WITNESS = 'WITNESS',
}

/** The lifecycle, in one table. The contract service is the only caller. */
export const TRANSITIONS: Record<ContractStatus, readonly ContractStatus[]> = {
  PENDING: [ContractStatus.CONFIRMED, ContractStatus.DISPUTED, ContractStatus.CANCELLED, ContractStatus.EXPIRED],
  CONFIRMED: [ContractStatus.ACTIVE, ContractStatus.DISPUTED, ContractStatus.CANCELLED],
  // ACTIVE -> CANCELLED: the delivery deadline passed with nothing delivered, and the deposit went back (issue 11).
  ACTIVE: [ContractStatus.COMPLETED, ContractStatus.DISPUTED, ContractStatus.CANCELLED],
  // A dispute is closed by an admin: released to the seller (COMPLETED) or refunded to the buyer (CANCELLED).
  DISPUTED: [ContractStatus.COMPLETED, ContractStatus.CANCELLED],
  COMPLETED: [],
  CANCELLED: [],
  EXPIRED: [],
};

export const OPEN_STATUSES = [
  ContractStatus.PENDING,
  ContractStatus.CONFIRMED,
  ContractStatus.ACTIVE,
  ContractStatus.DISPUTED,
];
