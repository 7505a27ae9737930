import {
  ReferenceKind,
  type Collection,
  type EntityClass,
  type EntityManager,
  type FilterQuery,
  type QBQueryOrderMap,
} from '@mikro-orm/postgresql';
import { runStatement, statement, type Statement } from './sql';

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
  asReferences(rows, manyToOnesOf(em, entity));
  return rows as Array<Lean<T>>;
}

function manyToOnesOf(em: EntityManager, entity: EntityClass<object>): string[] {
  let refs = manyToOnes.get(entity);
  if (!refs) {
    refs = em
      .getMetadata()
      .get(entity.name)
      .relations.filter((r) => r.kind === ReferenceKind.MANY_TO_ONE)
      .map((r) => r.name);
    manyToOnes.set(entity, refs);
  }
  return refs;
}

/** A many-to-one's id as `{ id }`, as an entity's reference reads (a joined one is a whole row already). */
function asReferences(rows: Array<Record<string, unknown>>, refs: string[]): void {
  if (refs.length)
    for (const row of rows)
      for (const p of refs) if (row[p] != null && typeof row[p] !== 'object') row[p] = { id: row[p] };
}

const byContract = new Map<string, { statement: Statement; dates: string[] }>();

/**
 * The rows of `entity` that belong to the given contracts (what the DataLoaders of a contract's lists ask), as
 * one named prepared statement whatever the number of ids (`= any($1)`), built once per entity and order from
 * its metadata. The same plain rows as leanFind (test/lean.test.ts compares them).
 */
export async function leanOfContracts<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  contractIds: readonly string[],
  orderBy: Array<[keyof T & string, 'asc' | 'desc']>,
): Promise<Array<Lean<T>>> {
  const key = `${entity.name}:${orderBy.join(',')}`;
  let shape = byContract.get(key);
  if (!shape) {
    const meta = em.getMetadata().get(entity.name);
    const props = meta.props.filter(
      (p) =>
        p.persist !== false &&
        (p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.MANY_TO_ONE) &&
        p.fieldNames?.length === 1,
    );
    const column = (name: string) => meta.properties[name as keyof typeof meta.properties].fieldNames[0];
    const select = props.map((p) => `"${p.fieldNames[0]}" as "${p.name}"`).join(', ');
    const order = orderBy.map(([p, dir]) => `"${column(p)}" ${dir}`).join(', ');
    shape = {
      statement: statement(
        `lean_${meta.tableName}_of_contracts_${byContract.size}`,
        `select ${select} from "${meta.tableName}" where "${column('contract')}" = any($1::uuid[]) order by ${order}`,
      ),
      // MikroORM has pg hand timestamps over as text and parses them itself: so do we, with its platform.
      dates: props.filter((p) => p.runtimeType === 'Date').map((p) => p.name),
    };
    byContract.set(key, shape);
  }
  const { rows } = await runStatement<Record<string, unknown>>(em, shape.statement, [[...contractIds]]);
  asReferences(rows, manyToOnesOf(em, entity));
  const platform = em.getPlatform();
  for (const row of rows)
    for (const p of shape.dates) if (row[p] != null) row[p] = platform.parseDate(row[p] as string);
  return rows as Array<Lean<T>>;
}
