// npm run partner:create -- "Partner name": prints a new partner API key, once. Only its hash is stored.
import 'reflect-metadata';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/common/logger';
import { openDatabase } from '../src/server/db';
import { provideLocalServices } from '../src/server/local-services';
import { createDomain } from '../src/domain';
import { DevSmsSender } from '../adapters/sms/dev-sms.sender';

async function main(): Promise<void> {
  const name = process.argv.slice(2).join(' ').trim();
  if (!name) {
    console.error('Usage: npm run partner:create -- "Partner name"');
    process.exit(2);
  }
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
    const domain = createDomain(orm.em.fork(), { config, logger, sms: new DevSmsSender(logger) });
    const { partner, apiKey } = await domain.auth.createPartner(name);
    console.log(
      `Partner "${partner.name}" created (id ${partner.id}).\nAPI key (shown once, store it now):\n\n  ${apiKey}\n`,
    );
  } finally {
    await orm.close(true);
    await local.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
