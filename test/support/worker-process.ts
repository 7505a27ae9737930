/**
 * A worker process of its own (role "worker"), for tests that kill one with SIGKILL mid-job. Configuration comes
 * as JSON in VP_TEST_CONFIG; "ready" is printed on stdout once the workers run.
 */
import 'reflect-metadata';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/common/logger';
import { start } from '../../src/server/start';

async function main(): Promise<void> {
  const config = loadConfig({}, JSON.parse(process.env.VP_TEST_CONFIG ?? '{}'));
  await start(config, createLogger(config.LOG_LEVEL), 'worker');
  process.stdout.write('ready\n');
}

main().catch((err) => {
  process.stderr.write(`worker process failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
