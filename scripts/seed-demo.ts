// npm run seed:demo: fills the database with demo parties and contracts in every status, then lists the phones to try.
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/common/logger';
import { openDatabase } from '../src/server/db';
import { provideLocalServices } from '../src/server/local-services';
import { describeDemoPhones, seedDemo } from '../src/demo/demo.seed';
import { DevSmsSender } from '../adapters/sms/dev-sms.sender';

async function main(): Promise<void> {
  const loadedConfig = loadConfig();
  const logger = createLogger('warn');
  // On a bare laptop the embedded PostgreSQL (shared with a running `npm start`, or started for this script).
  const local = await provideLocalServices(loadedConfig, logger, { redis: false });
  const config = local.config;
  const orm = await openDatabase(config.DATABASE_URL, logger).catch(async (err) => {
    await local.stop();
    throw err;
  });
  try {
    const { created } = await seedDemo(orm, { config, logger, sms: new DevSmsSender(logger) });
    console.log(created ? `Seeded ${created} demo contracts.` : 'Demo data is already there.');
    console.log(`\n${describeDemoPhones()}`);
  } finally {
    await orm.close(true);
    await local.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
