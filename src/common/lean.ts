import {
  ReferenceKind,
  type Collection,
  type EntityClass,
  type EntityManager,
  type FilterQuery,
  type QBQueryOrderMap,
} from '@mikro-orm/postgresql';

/**
 * An entity's columns as a plain object, under its property names: a many-to-one is `{ id }`, collections
 * are absent. What read paths (GraphQL queries, USSD screens) return: no hydration, no identity map, no
 * change tracking. Writes keep the entities and their unit of work.
 */
export type Lean<T> = {
  [K in keyof T as T[K] extends Collection<object> ? never : K]: T[K] extends { id: string } ? { id: string } : T[K];
};

const manyToOnes = new WeakMap<object, string[]>();

/**
 * `em.find` without the entities: one statement, rows mapped to property names by the query builder.
 * `join`: many-to-ones fetched in the same statement, each a whole plain row under its property.
 */
export async function leanFind<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  where: FilterQuery<NoInfer<T>>,
  options: { orderBy?: QBQueryOrderMap<NoInfer<T>>; limit?: number; join?: string[] } = {},
): Promise<Array<Lean<T>>> {
  const qb = em.createQueryBuilder(entity, 'e0').select('*');
  for (const [i, relation] of (options.join ?? []).entries()) qb.leftJoinAndSelect(`e0.${relation}`, `j${i}`);
  qb.where(where);
  if (options.orderBy) qb.orderBy(options.orderBy);
  if (options.limit !== undefined) qb.limit(options.limit);
  const rows = await qb.execute<Array<Record<string, unknown>>>('all', true);
  let refs = manyToOnes.get(entity);
  if (!refs) {
    refs = em
      .getMetadata()
      .get(entity.name)
      .relations.filter((r) => r.kind === ReferenceKind.MANY_TO_ONE)
      .map((r) => r.name);
    manyToOnes.set(entity, refs);
  }
  if (refs.length)
    for (const row of rows)
      for (const p of refs) if (row[p] != null && typeof row[p] !== 'object') row[p] = { id: row[p] };
  return rows as Array<Lean<T>>;
}
