import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { PoolClient, QueryResult } from 'pg';

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
  /** With $1..$n placeholders (one value may be used several times). */
  text: string;
}

export function statement(name: string, text: string): Statement {
  return { name, text };
}

/**
 * On a connection of the ORM's own pool (the transaction's, when the EntityManager is in one, so a row lock
 * and the changes it guards share its connection), straight to pg: knex's query runner (bindings rewritten
 * and checked, events, its SQL compiled again) cost a hop more CPU than the statement's round trip. The pool
 * is knex's public Client interface; inside a transaction it hands back the transaction's connection.
 */
export async function runStatement<T = Record<string, unknown>>(
  em: EntityManager,
  s: Statement,
  values: unknown[],
): Promise<{ rows: T[]; rowCount: number }> {
  const { client } = em.getTransactionContext<Knex.Transaction>() ?? em.getKnex();
  const connection = (await client.acquireConnection()) as PoolClient;
  try {
    const res = (await connection.query({ name: s.name, text: s.text, values })) as QueryResult;
    return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
  } finally {
    await client.releaseConnection(connection);
  }
}
