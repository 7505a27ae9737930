import type { Orm } from '../../src/common/orm';
import type { BackgroundTasks } from '../../src/common/background';
import { createDomain, type DomainDeps } from '../../src/domain';
import type { ProviderEvent } from '../../src/payment/payment.provider';

export interface ProviderEventSink {
  /** Commits the event to the inbox (deduplicated), then applies it in the background. */
  receive(source: string, body: unknown, event: ProviderEvent, notFound?: boolean): Promise<'received' | 'duplicate'>;
}

/** Retries for a callback that names a reference not committed yet; after these, the inbox sweep takes over. */
const UNKNOWN_RETRIES_MS = [200, 1000, 3000];

/**
 * The one door for what providers say: M-Pesa callbacks and the sandbox's settlements both come through here,
 * each with a freshly forked EntityManager. `deps` is read late because the provider itself is one of them.
 */
export function providerEventSink(orm: Orm, deps: () => DomainDeps, background: BackgroundTasks): ProviderEventSink {
  const unit = () => createDomain(orm.em.fork(), deps());
  const apply = async (id: string) => {
    for (const wait of [0, ...UNKNOWN_RETRIES_MS]) {
      if (wait) await new Promise((r) => setTimeout(r, wait));
      if ((await unit().inbox.process(id)) !== 'unknown') return;
    }
  };
  return {
    async receive(source, body, event, notFound = false) {
      const id = await unit().inbox.receive(source, body, event, notFound);
      if (!id) return 'duplicate';
      background.run(`provider-event ${id}`, () => apply(id));
      return 'received';
    },
  };
}
