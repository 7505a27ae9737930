import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../common/logger';
import { delay } from '../common/timeout';
import { freePort, Ownership, pidAlive, portAnswers } from './local-process';

/**
 * A redis-server of the project's own for a laptop where none answers (issue 14). No npm package ships a working
 * Redis, so this needs `redis-server` on the PATH; without it the start stops with the command that fixes it.
 * Started in a process group of its own (Ctrl-C reaches only Node, which drains before stopping it), without
 * persistence; one left running by a killed run is found through `redis.json` and reused.
 */
export interface LocalRedis {
  url: string;
  port: number;
  state: 'started' | 'adopted' | 'shared';
  stop(): Promise<void>;
}

export const REDIS_MISSING_FIX =
  'start one with `docker compose up -d redis`, or install it (`apt-get install redis-server`, `brew install redis`), ' +
  'or set REDIS_URL';

export async function startLocalRedis(localDir: string, probed: string, logger: Logger): Promise<LocalRedis> {
  await mkdir(localDir, { recursive: true });
  const stateFile = path.join(localDir, 'redis.json');
  const ownership = new Ownership(path.join(localDir, 'redis.owner'));

  const left = await readState(stateFile);
  if (left && pidAlive(left.pid) && (await portAnswers('127.0.0.1', left.port))) {
    const state = (await ownership.claim()) === 'owned' ? 'adopted' : 'shared';
    logger.warn({ port: left.port, state }, 'local redis-server: reusing the one already running');
    return handle(left.port, left.pid, state, null);
  }

  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      localDir,
      '--logfile',
      path.join(localDir, 'redis.log'),
    ],
    { detached: true, stdio: 'ignore' },
  );
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'ENOENT' ? 'ENOENT' : `redis-server could not run: ${err.message}`),
    );
    child.once('exit', (code, signal) => resolve(`redis-server exited (${signal ?? code}); see ${localDir}/redis.log`));
  });
  const outcome = await Promise.race([exited, ready(port, exited)]);
  if (outcome === 'ENOENT')
    throw new Error(`Redis does not answer on ${probed} and redis-server is not installed: ${REDIS_MISSING_FIX}.`);
  if (outcome !== 'ready') {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); // up but never answering
    throw new Error(outcome);
  }
  child.unref();
  await writeFile(stateFile, JSON.stringify({ pid: child.pid, port }));
  await ownership.claim();
  logger.info({ port }, 'local redis-server started');
  return handle(port, child.pid!, 'started', child);

  function handle(port: number, pid: number, state: LocalRedis['state'], own: ChildProcess | null): LocalRedis {
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      state,
      async stop() {
        if (state === 'shared') return;
        // Our own child is reaped by Node (its exit event); an adopted one is init's child and simply disappears.
        const alive = own ? own.exitCode === null && own.signalCode === null : pidAlive(pid);
        if (alive) {
          const gone = own ? new Promise((resolve) => own.once('exit', resolve)) : waitGone(pid, port);
          process.kill(pid, 'SIGTERM');
          await gone;
        }
        await rm(stateFile, { force: true });
        await ownership.release();
        logger.info({ port }, 'local redis-server stopped');
      },
    };
  }
}

/** Waits until the port answers; resolves 'ready', or never once the process has exited (the race settles). */
async function ready(port: number, exited: Promise<string>): Promise<string> {
  let over = false;
  void exited.then(() => (over = true));
  const until = Date.now() + 10_000;
  while (!over) {
    if (await portAnswers('127.0.0.1', port, 200)) return 'ready';
    if (Date.now() > until) return `redis-server did not answer on port ${port} within 10 s`;
    await delay(20);
  }
  return exited;
}

/** An adopted server is not our child: watch it go (its port too, in case no init reaps it and it lingers as a zombie). */
async function waitGone(pid: number, port: number): Promise<void> {
  const until = Date.now() + 10_000;
  const up = async () => pidAlive(pid) && (await portAnswers('127.0.0.1', port, 200));
  while ((await up()) && Date.now() < until) await delay(20);
  if (await up()) process.kill(pid, 'SIGKILL');
}

async function readState(file: string): Promise<{ pid: number; port: number } | null> {
  try {
    const state = JSON.parse(await readFile(file, 'utf8'));
    return Number.isInteger(state.pid) && Number.isInteger(state.port) ? state : null;
  } catch {
    return null;
  }
}
