import {
  ReferenceKind,
  type Collection,
  type EntityClass,
  type EntityManager,
  type FilterQuery,
  type QBQueryOrderMap,
} from '@mikro-orm/postgresql';
import type { Cursor } from './pagination';
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

interface Shape {
  table: string;
  /** `alias."column" as "prefix property"`, for every column a lean row has. */
  select: (alias: string, prefix?: string) => string;
  column: (property: string) => string;
  /**
   * A row as a JSON object under property names (`json_build_object`), for a list nested in another row's
   * statement. Strings (decimals among them) are cast to text: JSON numbers would make money a float.
   */
  json: (alias: string) => string;
  /** Properties read as timestamps: pg hands them over as text, as MikroORM has it, and its platform parses them. */
  dates: string[];
}

const shapes = new WeakMap<object, Shape>();

/** The columns of an entity's lean row, from its metadata, once per entity. */
function shapeOf(em: EntityManager, entity: EntityClass<object>): Shape {
  let shape = shapes.get(entity);
  if (!shape) {
    const meta = em.getMetadata().get(entity.name);
    const props = meta.props.filter(
      (p) =>
        p.persist !== false &&
        (p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.MANY_TO_ONE) &&
        p.fieldNames?.length === 1,
    );
    shape = {
      table: meta.tableName,
      select: (alias, prefix = '') =>
        props.map((p) => `${alias}."${p.fieldNames[0]}" as "${prefix}${p.name}"`).join(', '),
      column: (name) => meta.properties[name as keyof typeof meta.properties].fieldNames[0],
      json: (alias) =>
        `json_build_object(${props
          .map((p) => `'${p.name}', ${alias}."${p.fieldNames[0]}"${p.runtimeType === 'string' ? '::text' : ''}`)
          .join(', ')})`,
      dates: props.filter((p) => p.runtimeType === 'Date').map((p) => p.name),
    };
    shapes.set(entity, shape);
  }
  return shape;
}

/** A plain row as leanFind gives it: many-to-ones as `{ id }`, timestamps as Dates. */
function asLean(em: EntityManager, entity: EntityClass<object>, rows: Array<Record<string, unknown>>): void {
  asReferences(rows, manyToOnesOf(em, entity));
  const platform = em.getPlatform();
  for (const p of shapeOf(em, entity).dates)
    for (const row of rows) if (row[p] != null) row[p] = platform.parseDate(row[p] as string);
}

const statements = new Map<string, Statement>();

/** A statement built once per key (its text must depend on nothing but the key), under a short name of its own. */
function named(key: string, text: () => string): Statement {
  let s = statements.get(key);
  if (!s) statements.set(key, (s = statement(`lean_${statements.size}`, text())));
  return s;
}

/**
 * The rows of `entity` that belong to the given contracts (what the DataLoaders of a contract's lists ask), as
 * one named prepared statement whatever the number of ids (`= any($1)`), built once per entity and order from
 * its metadata. The same plain rows as leanFind (test/lean.test.ts compares them).
 */
export async function leanOfContracts<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  contractIds: readonly string[],
  orderBy: ReadonlyArray<readonly [keyof T & string, 'asc' | 'desc']>,
): Promise<Array<Lean<T>>> {
  const shape = shapeOf(em, entity);
  const s = named(`${shape.table} of contracts by ${orderBy.flat().join(' ')}`, () => {
    const order = orderBy.map(([p, dir]) => `"${shape.column(p)}" ${dir}`).join(', ');
    return `select ${shape.select('e0')} from "${shape.table}" e0 where e0."${shape.column('contract')}" = any($1::uuid[]) order by ${order}`;
  });
  const { rows } = await runStatement<Record<string, unknown>>(em, s, [[...contractIds]]);
  asLean(em, entity, rows);
  return rows as Array<Lean<T>>;
}

/** A where-clause of our own SQL over the alias `e0`, with $1..$n for `values`. */
export interface LeanWhere {
  /** Names the where-clause: one name, one text (with the table and whether a cursor is given). */
  name: string;
  where: string;
  values: unknown[];
}

/** `q` and `column` one of `values`; no condition when there are none (as the API's list filters read). */
export function andAnyOf(q: LeanWhere, column: string, values?: readonly string[] | null): LeanWhere {
  if (!values?.length) return q;
  const n = q.values.length + 1;
  return {
    name: `${q.name} ${column} any`,
    where: `${q.where} and e0."${column}" = any($${n}::text[])`,
    values: [...q.values, [...values]],
  };
}

export interface LeanPageQuery extends LeanWhere {
  after: Cursor | null;
  limit: number;
  /** A many-to-one fetched in the same statement, as a whole plain row under its property (leanFind's `join`). */
  join?: { property: string; entity: EntityClass<object> };
}

/**
 * leanFind for a page in (createdAt desc, id desc) order whose where-clause is our own SQL: a named prepared
 * statement, without the query builder (which cost a list screen more CPU than all the rest of its hop). For
 * the hot read paths only, each with a test that it returns what leanFind returns.
 */
export async function leanPage<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  q: LeanPageQuery,
): Promise<Array<Lean<T>>> {
  const shape = shapeOf(em, entity);
  const joined = q.join && shapeOf(em, q.join.entity);
  const n = q.values.length;
  const s = named(`${shape.table} page ${q.name}${q.after ? ' after' : ''}`, () => {
    const [created, id] = [shape.column('createdAt'), shape.column('id')];
    const select = [shape.select('e0'), ...(joined ? [joined.select('j0', `${q.join!.property}.`)] : [])].join(', ');
    const join = joined
      ? ` left join "${joined.table}" j0 on j0."${joined.column('id')}" = e0."${shape.column(q.join!.property)}"`
      : '';
    // The row comparison is the keyset condition of afterCursor, in a form an index on (created_at, id) serves.
    const after = q.after ? ` and (e0."${created}", e0."${id}") < ($${n + 1}::timestamptz, $${n + 2}::uuid)` : '';
    const limit = `$${n + (q.after ? 3 : 1)}`;
    return `select ${select} from "${shape.table}" e0${join} where (${q.where})${after} order by e0."${created}" desc, e0."${id}" desc limit ${limit}`;
  });
  const values = [...q.values, ...(q.after ? [q.after.createdAt, q.after.id] : []), q.limit];
  const { rows } = await runStatement<Record<string, unknown>>(em, s, values);
  asLean(em, entity, rows);
  if (q.join && joined) {
    const prefix = `${q.join.property}.`;
    const nested = rows.map((row) => {
      const inner: Record<string, unknown> = {};
      for (const k of Object.keys(row))
        if (k.startsWith(prefix)) {
          inner[k.slice(prefix.length)] = row[k];
          delete row[k];
        }
      row[q.join!.property] = inner.id == null ? null : inner;
      return inner;
    });
    asLean(em, q.join.entity, nested);
  }
  return rows as Array<Lean<T>>;
}

export interface LeanList {
  property: string;
  entity: EntityClass<object>;
  /** The list's order (the order its DataLoader gives). */
  orderBy: ReadonlyArray<readonly [string, 'asc' | 'desc']>;
}

/**
 * One row (at most) of `entity` with some of its one-to-many lists, each an array of plain rows under its
 * property, in one named prepared statement: a `json_agg` subquery a list. What a screen of one contract
 * reads, without the entity graph (hydration, identity map) the joined populate built for it.
 * The rows are leanFind's and leanOfContracts's (test/lean.test.ts compares them).
 */
export async function leanWithLists<T extends object>(
  em: EntityManager,
  entity: EntityClass<T>,
  q: LeanWhere,
  lists: readonly LeanList[],
): Promise<(Lean<T> & Record<string, unknown>) | null> {
  const shape = shapeOf(em, entity);
  const s = named(`${shape.table} one ${q.name} with ${lists.map((l) => l.property).join(' ')}`, () => {
    const meta = em.getMetadata().get(entity.name);
    const nested = lists.map((l, i) => {
      const inner = shapeOf(em, l.entity);
      const fk = meta.properties[l.property as keyof typeof meta.properties].mappedBy;
      const order = l.orderBy.map(([p, dir]) => `l${i}."${inner.column(p)}" ${dir}`).join(', ');
      return `(select coalesce(json_agg(${inner.json(`l${i}`)} order by ${order}), '[]'::json) from "${inner.table}" l${i} where l${i}."${inner.column(fk)}" = e0."${shape.column('id')}") as "${l.property}"`;
    });
    return `select ${[shape.select('e0'), ...nested].join(', ')} from "${shape.table}" e0 where ${q.where} limit 1`;
  });
  const { rows } = await runStatement<Record<string, unknown>>(em, s, q.values);
  if (!rows[0]) return null;
  asLean(em, entity, rows);
  for (const l of lists) asLean(em, l.entity, rows[0][l.property] as Array<Record<string, unknown>>);
  return rows[0] as Lean<T> & Record<string, unknown>;
}
