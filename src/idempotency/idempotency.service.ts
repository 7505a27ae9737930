import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { actorLabel, type Actor } from '../auth/actor';
import { badInput, DomainError } from '../common/errors';
import type { ServiceContext } from '../domain';
import { IdempotencyKey } from './idempotency-key.entity';

export type IdempotentOperation = 'createContract' | 'fundEscrow';

/**
 * A request a caller may send again safely. The first request with a key runs `run` in a transaction that also
 * records the key (a crash or an error records nothing, so a retry runs again); a later request with the same
 * key from the same caller and the same input gets `replay` of the first result; other input is a CONFLICT.
 * Two requests racing with one key queue on the key's unique index: the second sees the first's result.
 */
export async function idempotent<T>(
  ctx: ServiceContext,
  actor: Actor,
  operation: IdempotentOperation,
  key: string,
  input: unknown,
  run: (em: EntityManager) => Promise<T>,
  idOf: (result: T) => string,
  replay: (id: string) => Promise<T>,
): Promise<T> {
  const trimmed = key.trim();
  if (!/^[\x21-\x7e]{1,100}$/.test(trimmed))
    throw badInput('idempotencyKey must be 1 to 100 printable characters without spaces', { field: 'idempotencyKey' });
  const caller = actorLabel(actor);
  const inputHash = createHash('sha256').update(canonical(input)).digest('hex');
  const expired = new Date(ctx.now().getTime() - ctx.config.IDEMPOTENCY_KEY_HOURS * 3_600_000);
  return ctx.em.transactional(async (em) => {
    // A key older than its retention is forgotten: the same key may then start something new.
    await em.nativeDelete(IdempotencyKey, { caller, operation, key: trimmed, createdAt: { $lt: expired } });
    const [inserted] = await em.execute<Array<{ id: string }>>(
      `insert into idempotency_keys (caller, operation, key, input_hash, created_at) values (?, ?, ?, ?, ?)
       on conflict (caller, operation, key) do nothing returning id`,
      [caller, operation, trimmed, inputHash, ctx.now()],
    );
    if (!inserted) {
      const first = await em.findOneOrFail(IdempotencyKey, { caller, operation, key: trimmed });
      if (first.inputHash !== inputHash)
        throw new DomainError('CONFLICT', `idempotencyKey ${trimmed} was already used with other input`, {
          field: 'idempotencyKey',
        });
      if (!first.resultId) throw new DomainError('CONFLICT', `A request with idempotencyKey ${trimmed} is in progress`);
      return replay(first.resultId);
    }
    // Services built over `em` nest their own transactions in this one (a savepoint): one commit for both.
    const result = await run(em);
    await em.nativeUpdate(IdempotencyKey, { id: inserted.id }, { resultId: idOf(result) });
    return result;
  });
}

/** Removes keys past their retention (housekeeping). */
export async function purgeIdempotencyKeys(ctx: ServiceContext): Promise<number> {
  const expired = new Date(ctx.now().getTime() - ctx.config.IDEMPOTENCY_KEY_HOURS * 3_600_000);
  return ctx.em.fork().nativeDelete(IdempotencyKey, { createdAt: { $lt: expired } });
}

/** JSON with sorted keys, so the same input hashes the same however its fields were ordered. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
