import DataLoader from 'dataloader';
import type { Actor } from '../src/auth/actor';
import type { HistoryEntry } from '../src/audit/history.service';
import type { Contract } from '../src/contract/contract.entity';
import type { Domain } from '../src/domain';

/** Groups rows by their contract id, keeping the order the service returned them in. */
function byContract<T extends { contract: { id: string } }>(load: (ids: readonly string[]) => Promise<T[]>) {
  return new DataLoader<string, T[]>(async (ids) => {
    const rows = await load(ids);
    return ids.map((id) => rows.filter((r) => r.contract.id === id));
  });
}

/**
 * A page of 100 contracts with parties and payments is three queries, not three hundred; a page of
 * payments with their contracts is two.
 */
export function createLoaders(domain: Domain, actor: Actor) {
  return {
    /**
     * A contract by id as this actor may see it (NOT_FOUND otherwise), the way contracts.get() answers.
     * Batched, not memoised: a mutation later in the same operation is seen as get() would see it.
     */
    contract: new DataLoader<string, Contract>((ids) => domain.contracts.getMany(actor, ids), { cache: false }),
    parties: byContract((ids) => domain.contracts.partiesOf(ids)),
    deliveries: byContract((ids) => domain.deliveries.ofContracts(ids)),
    payments: byContract((ids) => domain.payments.ofContracts(ids)),
    disputes: byContract((ids) => domain.disputes.ofContracts(ids)),
    history: new DataLoader<string, HistoryEntry[]>(async (ids) => {
      const rows = await domain.history.ofContracts(ids);
      return ids.map((id) => rows.filter((r) => r.contractId === id));
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
