// npm run seed:demo: fills the database with demo parties and contracts in every status, then lists the phones to try.
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/common/logger';
import { openDatabase } from '../src/server/db';
import { describeDemoPhones, seedDemo } from '../src/demo/demo.seed';
import { DevSmsSender } from '../adapters/sms/dev-sms.sender';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('warn');
  const orm = await openDatabase(config.DATABASE_URL, logger);
  try {
    const { created } = await seedDemo(orm, { config, logger, sms: new DevSmsSender(logger) });
    console.log(created ? `Seeded ${created} demo contracts.` : 'Demo data is already there.');
    console.log(`\n${describeDemoPhones()}`);
  } finally {
    await orm.close(true);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
