import { Pool } from 'pg';

/** Reads the service's database directly: what is stored, not what the service says. */
export class Db {
  private readonly pool: Pool;
  constructor(readonly url: string) {
    this.pool = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 2000 });
    this.pool.on('error', () => undefined); // a database stopped on purpose kills idle clients
  }

  async rows<T = Record<string, any>>(text: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query(text, params)).rows as T[];
  }

  async count(text: string, params: unknown[] = []): Promise<number> {
    const [row] = await this.rows<{ n: string }>(`select count(*) as n from (${text}) q`, params);
    return Number(row.n);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
