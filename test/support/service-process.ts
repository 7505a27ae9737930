import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'src', 'server', 'main.js');

/**
 * `npm run build` without npm and without its type-check (`npm run typecheck` does that in CI): the child processes
 * below run what `npm start` runs.
 */
export function buildService(): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--noCheck'],
      { cwd: ROOT },
      (err, stdout, stderr) => (err ? reject(new Error(`build failed: ${stdout}${stderr}`)) : resolve()),
    ),
  );
}

export interface ServiceProcess {
  child: ChildProcess;
  /** Base URL from the start banner. */
  url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM (or another signal), then the exit code (null after a signal that killed it). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The built service (`node dist/src/server/main.js`) with exactly `env` (no variable of the test runner leaks in,
 * so DATABASE_URL and REDIS_URL are unset unless given). Resolves once the banner is printed.
 */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const run = runService(env);
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const found = /GraphQL: +(http:\/\/[^/\s]+)\/graphql/.exec(run.stdout());
      // The banner is one write: once it names GraphQL, its lines after are there too.
      if (found) resolve(found[1]!);
    };
    run.child.stdout!.on('data', onData);
    run.child.once('exit', (code, signal) =>
      reject(new Error(`service exited (${signal ?? code}) before it was up:\n${run.stdout()}\n${run.stderr()}`)),
    );
  });
  return {
    child: run.child,
    url,
    stdout: run.stdout,
    stderr: run.stderr,
    async stop(signal = 'SIGTERM') {
      const child = run.child;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        await exited;
      }
      return child.exitCode;
    },
  };
}

/** A run expected to fail: its exit code and output. */
export async function runServiceToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = runService(env);
  const code = await new Promise<number | null>((resolve) => run.child.once('exit', (c) => resolve(c)));
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

function runService(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  return { child, stdout: () => stdout, stderr: () => stderr };
}
