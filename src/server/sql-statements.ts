import { Client } from 'pg';
import { Gauge, type Registry } from 'prom-client';

/**
 * SQL statements sent by this process, counted in the pg driver (every statement of MikroORM, knex and
 * the USSD session store goes through Client#query). For the benchmark and statement-count tests, behind
 * SQL_STATEMENT_COUNT: pg_stat_statements would need a restart of the shared PostgreSQL to load.
 */
let sent = 0;
let installed = false;

export function countSqlStatements(): () => number {
  if (!installed) {
    installed = true;
    const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
    const original = proto.query;
    proto.query = function query(this: unknown, ...args: unknown[]) {
      sent++;
      return original.apply(this, args);
    };
  }
  return () => sent;
}

/** db_statements_total at GET /metrics. */
export function sqlStatementsMetric(registry: Registry): void {
  const read = countSqlStatements();
  new Gauge({
    name: 'db_statements_total',
    help: 'SQL statements sent by this process since it started (SQL_STATEMENT_COUNT)',
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
