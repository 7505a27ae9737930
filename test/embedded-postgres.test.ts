import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/common/logger';
import { startEmbeddedPostgres } from '../src/server/embedded-postgres';
import { pidAlive, portAnswers } from '../src/server/local-process';
import { provideLocalServices } from '../src/server/local-services';
import { eventually } from './support/eventually';
import { freePort } from './support/redis-server';
import { buildService, runServiceToExit, startService, type ServiceProcess } from './support/service-process';
import { ussd } from './support/ussd-tester';

/**
 * `npm start` on a laptop with nothing installed (issue 14), driven as a person would: the built service as a child
 * process, with DATABASE_URL unset and the local address probed pointing at a port where nothing answers (the shared
 * PostgreSQL keeps running on 5432), and the data in a temporary folder.
 */

const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
const BUYER = '+254712000111';
let dir: string;
let nothingHere: string;
let contractCode: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vp-embedded-'));
  await chmod(dir, 0o755); // as root, the postgres system user runs the server and must enter it
  nothingHere = `127.0.0.1:${await freePort()}`;
  await buildService();
}, 180_000);

afterAll(async () => {
  // A failed test may leave the server running: stop it through its postmaster.pid, then remove everything.
  const pid = await postmasterPid();
  if (pid && pidAlive(pid)) {
    process.kill(pid, 'SIGINT');
    await eventually(() => !pidAlive(pid), { what: 'the embedded PostgreSQL to stop' });
  }
  await rm(dir, { recursive: true, force: true });
}, 60_000);

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'development',
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_API_KEY: ADMIN_KEY,
    LOG_LEVEL: 'warn',
    LOCAL_DATA_DIR: path.join(dir, 'local'),
    LOCAL_POSTGRES_ADDRESS: nothingHere,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `vptest-${randomBytes(4).toString('hex')}`,
    ...extra,
  };
}

const dataDir = () => path.join(dir, 'local', 'postgres');

async function postmasterPid(): Promise<number | null> {
  const text = await readFile(path.join(dataDir(), 'postmaster.pid'), 'utf8').catch(() => null);
  return text ? Number.parseInt(text, 10) : null;
}

async function gql(service: ServiceProcess, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(`${service.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  return res.json() as Promise<{ data?: any; errors?: any[] }>;
}

const contractByCode = async (service: ServiceProcess, code: string) => {
  const found = await gql(service, 'query($p: String) { contracts(phoneNumber: $p) { nodes { code product } } }', {
    p: BUYER,
  });
  expect(found.errors).toBeUndefined();
  return found.data.contracts.nodes.find((c: { code: string }) => c.code === code);
};

/** The embedded server stopped: its postmaster is gone and so is its postmaster.pid. */
async function expectStopped(pid: number) {
  expect(pid).toBeGreaterThan(0);
  await eventually(() => !pidAlive(pid), { what: `postmaster ${pid} to exit` });
  expect(existsSync(path.join(dataDir(), 'postmaster.pid'))).toBe(false);
}

test('with nothing answering, the embedded PostgreSQL and a local redis-server start, migrate, serve USSD and GraphQL, and stop with the service', async () => {
  const redisProbe = `127.0.0.1:${await freePort()}`;
  const { REDIS_URL: _unset, ...noRedisUrl } = env({ LOCAL_REDIS_ADDRESS: redisProbe });
  const service = await startService(noRedisUrl);
  const banner = service.stdout();
  expect(banner).toMatch(/Database: +nothing on 127\.0\.0\.1:\d+, so the embedded PostgreSQL on port \d+/);
  expect(banner).toContain('(new data folder)');
  const redisPort = Number(/redis-server without persistence on port (\d+)/.exec(banner)?.[1]);
  expect(redisPort).toBeGreaterThan(0);
  expect(banner).toContain(`nothing on ${redisProbe}`);

  // Migrated: the real tables exist in the embedded server, reached with the password it generated.
  const port = Number(/embedded PostgreSQL on port (\d+)/.exec(banner)?.[1]);
  const password = (await readFile(path.join(dir, 'local', 'postgres.password'), 'utf8')).trim();
  const db = new Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'voicepact' });
  await db.connect();
  try {
    const migrations = await db.query('select count(*)::int as n from mikro_orm_migrations');
    expect(migrations.rows[0].n).toBeGreaterThan(0);
  } finally {
    await db.end();
  }

  const health = await fetch(`${service.url}/health`);
  expect(health.status).toBe(200);

  const created = await gql(
    service,
    'mutation($i: CreateContractInput!) { createContract(input: $i) { code status totalAmount } }',
    {
      i: {
        product: 'Maize',
        quantity: '50',
        unit: 'bags',
        totalAmount: '12000.50',
        parties: [
          { phoneNumber: BUYER, role: 'BUYER' },
          { phoneNumber: '+254722000111', role: 'SELLER' },
        ],
      },
    },
  );
  expect(created.errors).toBeUndefined();
  expect(created.data.createContract).toMatchObject({ status: 'PENDING', totalAmount: '12000.50' });
  contractCode = created.data.createContract.code;

  await ussd(service.url)
    .dial(BUYER)
    .expect('Welcome to VoicePact')
    .enter('1')
    .expect(`Your Contracts:\n1. ${contractCode} Maize (PENDING)`);

  const pid = await postmasterPid();
  expect(pid && pidAlive(pid)).toBe(true);
  expect(await service.stop('SIGTERM')).toBe(0);
  await expectStopped(pid!);
  expect(await portAnswers('127.0.0.1', redisPort)).toBe(false);
}, 120_000);

test('a second start reuses its data (EMBEDDED_POSTGRES=true even where the local PostgreSQL answers)', async () => {
  const service = await startService(env({ EMBEDDED_POSTGRES: 'true', LOCAL_POSTGRES_ADDRESS: '127.0.0.1:5432' }));
  const pid = (await postmasterPid())!;
  try {
    expect(service.stdout()).toMatch(
      /Database: +EMBEDDED_POSTGRES=true, so the embedded PostgreSQL .*\(existing data\)/,
    );
    expect(await contractByCode(service, contractCode)).toEqual({ code: contractCode, product: 'Maize' });
  } finally {
    expect(await service.stop('SIGINT')).toBe(0);
  }
  await expectStopped(pid);
}, 120_000);

test('a start after a SIGKILL finds the servers the killed run left and reuses them, then stops them', async () => {
  const { REDIS_URL: _unset, ...noRedisUrl } = env({ LOCAL_REDIS_ADDRESS: `127.0.0.1:${await freePort()}` });
  const killed = await startService(noRedisUrl);
  const pid = (await postmasterPid())!;
  const redisPort = Number(/redis-server without persistence on port (\d+)/.exec(killed.stdout())?.[1]);
  expect(await killed.stop('SIGKILL')).toBeNull();
  // Nobody stopped them: both run in process groups of their own.
  expect(pidAlive(pid)).toBe(true);
  expect(await portAnswers('127.0.0.1', redisPort)).toBe(true);

  const service = await startService(noRedisUrl);
  try {
    expect(service.stdout()).toMatch(/Redis: .* on port (\d+) \(left running by an earlier run, reused\)/);
    expect(service.stdout()).toMatch(/Database: .*\(left running by an earlier run, reused\)/);
    expect(service.stdout()).toContain(`redis-server without persistence on port ${redisPort} `);
    expect(await postmasterPid()).toBe(pid);
    expect(await contractByCode(service, contractCode)).toEqual({ code: contractCode, product: 'Maize' });
  } finally {
    expect(await service.stop('SIGTERM')).toBe(0);
  }
  await expectStopped(pid);
  expect(await portAnswers('127.0.0.1', redisPort)).toBe(false);
}, 120_000);

test('a start that fails after the embedded PostgreSQL is up (the HTTP port is taken) stops it again', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const run = await runServiceToExit(env({ PORT: String((taken.address() as AddressInfo).port) }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('EADDRINUSE');
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
  expect(await postmasterPid()).toBeNull(); // stopped: pg_ctl removes postmaster.pid once the server is gone
}, 120_000);

test('without redis-server on the PATH and nothing answering, the start stops with the command that fixes it', async () => {
  const emptyBin = path.join(dir, 'empty-bin');
  await mkdir(emptyBin, { recursive: true });
  const { REDIS_URL: _unset, ...noRedisUrl } = env({
    PATH: emptyBin,
    LOCAL_REDIS_ADDRESS: `127.0.0.1:${await freePort()}`,
    LOCAL_DATA_DIR: path.join(dir, 'no-redis'),
  });
  const run = await runServiceToExit(noRedisUrl);
  expect(run.code).toBe(1);
  expect(run.stderr).toContain('redis-server is not installed');
  expect(run.stderr).toContain('docker compose up -d redis');
  expect(run.stderr).toContain('apt-get install redis-server');
  expect(existsSync(path.join(dir, 'no-redis', 'postgres'))).toBe(false); // nothing started for nothing
});

describe('production never starts anything embedded', () => {
  test('the service refuses to start, naming each variable, and creates no data folder', async () => {
    const { REDIS_URL: _unset, ...prod } = env({
      NODE_ENV: 'production',
      EMBEDDED_POSTGRES: 'true',
      PAYMENT_PROVIDER: 'mpesa',
      MPESA_CALLBACK_TOKEN: 'callback-token-0123456789',
      LOCAL_DATA_DIR: path.join(dir, 'prod'),
    });
    const run = await runServiceToExit(prod);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DATABASE_URL: is required in production');
    expect(run.stderr).toContain('REDIS_URL: is required in production');
    expect(run.stderr).toContain('EMBEDDED_POSTGRES: is not allowed in production');
    expect(existsSync(path.join(dir, 'prod'))).toBe(false);
  });

  test('configuration tells "not set" from the default, which stays the local address', () => {
    const unset = loadConfig({});
    expect(unset.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/voicepact');
    expect(unset.databaseUrlSet).toBe(false);
    expect(unset.redisUrlSet).toBe(false);
    const given = loadConfig({ DATABASE_URL: unset.DATABASE_URL, REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(given.databaseUrlSet).toBe(true);
    expect(given.redisUrlSet).toBe(true);
    expect(loadConfig({ LOCAL_POSTGRES_ADDRESS: '127.0.0.1:6543' }).DATABASE_URL).toBe(
      'postgres://postgres@127.0.0.1:6543/voicepact',
    );
    expect(() => loadConfig({ EMBEDDED_POSTGRES: 'true', DATABASE_URL: unset.DATABASE_URL })).toThrow(
      /EMBEDDED_POSTGRES: cannot be combined with DATABASE_URL/,
    );
    expect(() => loadConfig({ LOCAL_REDIS_ADDRESS: 'nowhere' })).toThrow(/LOCAL_REDIS_ADDRESS: must be host:port/);
  });
});

test('a data folder the postgres system user cannot enter is named (as root; otherwise it is simply used)', async () => {
  const locked = path.join(dir, 'locked');
  await mkdir(path.join(locked, 'inner'), { recursive: true, mode: 0o700 });
  await chmod(locked, 0o700);
  const start = startEmbeddedPostgres(path.join(locked, 'inner'), createLogger('silent'));
  if (process.getuid?.() === 0) {
    await expect(start).rejects.toThrow(
      `the "postgres" system user (PostgreSQL refuses root), and that user cannot enter ${locked}`,
    );
  } else {
    const pg = await start; // the user's own private folder: nothing to refuse
    await pg.stop();
  }
}, 60_000);

test('a server a live sibling process owns (start:api beside start:worker) is shared and left running at stop', async () => {
  const logger = createLogger('silent');
  const localDir = path.join(dir, 'local');
  const own = await startEmbeddedPostgres(localDir, logger);
  try {
    expect(own.state).toBe('existing');
    // Another live process (the test runner's parent) owns the running server: this one must not stop it.
    await writeFile(path.join(localDir, 'postgres.owner'), `${process.ppid}\n`);
    const sibling = await startEmbeddedPostgres(localDir, logger);
    expect(sibling).toMatchObject({ state: 'shared', port: own.port });
    await sibling.stop();
    expect(await portAnswers('127.0.0.1', own.port)).toBe(true);
  } finally {
    await writeFile(path.join(localDir, 'postgres.owner'), `${process.pid}\n`);
    await own.stop();
  }
  expect(await portAnswers('127.0.0.1', own.port)).toBe(false);
}, 60_000);

test('where PostgreSQL and Redis answer on the local addresses, they are used as before and nothing is started', async () => {
  const config = loadConfig({}, { LOCAL_DATA_DIR: path.join(dir, 'untouched'), LOG_LEVEL: 'silent' });
  const local = await provideLocalServices(config, createLogger('silent'));
  expect(local.postgres).toBeNull();
  expect(local.redis).toBeNull();
  expect(local.config.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/voicepact');
  expect(local.config.REDIS_URL).toBe('redis://127.0.0.1:6379');
  expect(local.notes).toEqual(['Redis:     127.0.0.1:6379', 'Database:  PostgreSQL on 127.0.0.1:5432']);
  await local.stop();
  expect(existsSync(path.join(dir, 'untouched'))).toBe(false);
});
