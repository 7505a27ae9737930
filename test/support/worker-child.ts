import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Starts test/support/worker-process.ts under ts-node; resolves once its workers run. */
export async function spawnWorker(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; kill(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', path.join(ROOT, 'test/support/worker-process.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, VP_TEST_CONFIG: JSON.stringify(env), TS_NODE_TRANSPILE_ONLY: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (c) => String(c).includes('ready') && resolve());
    child.once('exit', (code) =>
      reject(new Error(`worker process exited (${code}) before it was ready: ${stderr.slice(-2000)}`)),
    );
  });
  return {
    child,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL'); // no shutdown hooks, no graceful close: a crash
      await exited;
    },
  };
}

/** The running app's configuration as environment strings, so a child process joins the same database and queues. */
export function configAsEnv(config: object): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined || value === null || key === 'adminKeyGenerated') continue;
    env[key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}
