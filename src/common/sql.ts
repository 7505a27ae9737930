import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { QueryResult } from 'pg';

/**
 * Plain SQL for the hot read paths and the USSD session table, as named prepared statements.
 *
 * MikroORM sends its queries with the values written into the text, so PostgreSQL parses and plans every one
 * afresh. A statement here is sent with bound parameters under a fixed name: pg prepares it once per
 * connection and PostgreSQL reuses the plan (measured in `npm run bench`: a third less PostgreSQL CPU per hop
 * for the session statements alone). Use it only for a text that never varies (a list of ids is one array
 * parameter, `= any($1)`), or each variant would stay prepared on every connection.
 */
export interface Statement {
  /** pg's prepared-statement name: one text per name. */
  name: string;
  sql: string;
  /** For each `?` in sql, which of the values it takes. */
  order: number[];
}

/** Written with $n (one value, several uses); knex binds `?` in order. */
export function statement(name: string, text: string): Statement {
  const order: number[] = [];
  const sql = text.replace(/\$(\d+)/g, (_, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  return { name, sql, order };
}

/**
 * Through knex's public raw() (the transaction's, when the EntityManager is in one, so a row lock and the
 * changes it guards share its connection); `options` hands pg the statement's name.
 */
export async function runStatement<T = Record<string, unknown>>(
  em: EntityManager,
  s: Statement,
  values: unknown[],
): Promise<{ rows: T[]; rowCount: number }> {
  const knex = em.getTransactionContext<Knex.Transaction>() ?? em.getKnex();
  const res = (await knex
    .raw(s.sql, s.order.map((i) => values[i]) as Knex.RawBinding[])
    .options({ name: s.name })) as QueryResult;
  return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
}
