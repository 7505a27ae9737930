import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../support/redis-server';

const ROOT = path.join(__dirname, '..', '..', '..');
/** What `npm start` runs (the fault suite's script builds it first). */
const MAIN_JS = path.join(ROOT, 'dist', 'src', 'server', 'main.js');

export const ADMIN_KEY = 'fault-admin-key-0123456789abcdef';
export type Role = 'all' | 'api' | 'worker';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Service {
  role: Role;
  /** http://127.0.0.1:<port> (also for a worker, whose port is unused). */
  url: string;
  port: number;
  child: ChildProcess;
  exited: Promise<Exit>;
  /** The last 64 KB of stdout and stderr, for failure messages (the whole of it is in `logFile`). */
  output(): string;
  /** Where everything the process printed is kept: test-artifacts/faults/<test file>.<n>-<role>.log. */
  logFile: string;
  alive(): boolean;
  /** SIGTERM, then the exit and how long it took. */
  terminate(): Promise<Exit & { ms: number }>;
  /** SIGKILL: a crash, no shutdown hooks. */
  kill(): Promise<void>;
}

const started = new Set<ChildProcess>();
/** Every service this test file started, running or not: report.ts prints their output when a test failed. */
export const startedInFile: Service[] = [];
const LOG_DIR = path.join(ROOT, 'test-artifacts', 'faults');

function logFileFor(role: Role): string {
  mkdirSync(LOG_DIR, { recursive: true });
  const testFile = path.basename(expect.getState().testPath ?? 'fault', '.fault.ts');
  return path.join(LOG_DIR, `${testFile}.${startedInFile.length + 1}-${role}.log`);
}
// A test that throws before its cleanup must not leave a service behind.
process.once('exit', () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/**
 * The built service (`node dist/src/server/main.js`, as `npm start` runs it) in a child process on a free loopback
 * port, with `env` as its whole configuration. Resolves once /health answers 200 (api, all) and the workers run
 * (worker, all).
 */
export async function startService(
  env: Record<string, string>,
  { role = 'all' as Role, port, readyTimeoutMs = 60_000 }: { role?: Role; port?: number; readyTimeoutMs?: number } = {},
): Promise<Service> {
  const finalPort = port ?? (Number(env.PORT) || (await freePort()));
  const child = spawn(process.execPath, [MAIN_JS, `--role=${role}`], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: process.env.FAULT_LOG_LEVEL ?? 'warn', // FAULT_LOG_LEVEL=info: every request in the logs
      ...env,
      PORT: String(finalPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  const logFile = logFileFor(role);
  const log = createWriteStream(logFile);
  let out = '';
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    out = (out + chunk.toString()).slice(-65_536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => {
      started.delete(child);
      log.end();
      resolve({ code, signal });
    }),
  );
  const url = `http://127.0.0.1:${finalPort}`;
  const alive = () => child.exitCode === null && child.signalCode === null;
  const service: Service = {
    role,
    url,
    port: finalPort,
    child,
    exited,
    output: () => out,
    logFile,
    alive,
    async terminate() {
      const t0 = Date.now();
      if (alive()) child.kill('SIGTERM');
      const exit = await exited;
      return { ...exit, ms: Date.now() - t0 };
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
  startedInFile.push(service);
  const ready = async () => {
    if (role !== 'api' && !out.includes('Workers: ')) return false;
    if (role === 'worker') return true;
    const res = await fetch(`${url}/health`).catch(() => null);
    await res?.text();
    return res?.status === 200;
  };
  const until = Date.now() + readyTimeoutMs;
  let why = '';
  while (!why && !(await ready())) {
    if (!alive()) why = 'the service exited before it was ready';
    else if (Date.now() > until) why = `the ${role} service on ${url} was not ready after ${readyTimeoutMs} ms`;
    else await new Promise((r) => setTimeout(r, 100));
  }
  if (why) {
    await service.kill();
    throw new Error(`${why}\n--- service output ---\n${out.slice(-4000)}`);
  }
  return service;
}

/** POST /graphql as the admin (or with `token`). */
export async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = ADMIN_KEY,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: the caller sees the raw text */
  }
  return { status: res.status, body };
}
