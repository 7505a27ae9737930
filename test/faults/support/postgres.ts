import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { eventually } from '../../support/eventually';
import { freePort } from '../../support/redis-server';

const run = promisify(execFile);

function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql')
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A PostgreSQL cluster of its own in a temporary folder, on a free loopback port, for the cases that stop the
 * database on purpose (never the shared one on 5432). initdb and pg_ctl refuse root: they run as `postgres`.
 */
export class PrivatePostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(path.join(tmpdir(), 'vp-faults-pg-'));
    const { uid, gid } = await postgresIds();
    chownSync(dir, uid, gid);
    const pg = new PrivatePostgres(dir, await freePort());
    await pg.asPostgres(`${binDir()}/initdb -D ${quote(pg.data)} -A trust -U postgres --no-sync -E UTF8 --locale=C`);
    await pg.start();
    return pg;
  }

  private get data(): string {
    return path.join(this.dir, 'data');
  }

  /** A database URL on this cluster (the service creates the database itself when it is missing). */
  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    // fsync off: the folder is thrown away and an immediate stop kills processes, not the OS, so the page cache
    // keeps every committed write; synchronous_commit stays on so that "committed" means in the WAL.
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off -c max_connections=100`;
    await this.asPostgres(
      `${binDir()}/pg_ctl -D ${quote(this.data)} -l ${quote(path.join(this.dir, 'log'))} -w -t 60 -o ${quote(options)} start`,
    );
    await eventually(() => this.ping(), { what: `private PostgreSQL on ${this.port}`, timeoutMs: 20_000 });
  }

  /** `pg_ctl -m immediate`: every backend dies at once, as in a crash; recovery replays the WAL on start. */
  async stopImmediate(): Promise<void> {
    await this.asPostgres(`${binDir()}/pg_ctl -D ${quote(this.data)} -m immediate -w -t 30 stop`);
  }

  async destroy(): Promise<void> {
    await this.asPostgres(`${binDir()}/pg_ctl -D ${quote(this.data)} -m immediate -w -t 30 stop`).catch(
      () => undefined, // already stopped
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async asPostgres(command: string): Promise<void> {
    await run('su', ['postgres', '-c', command], { timeout: 90_000 });
  }

  private async ping(): Promise<boolean> {
    const client = new Client({ connectionString: this.url('postgres'), connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}
