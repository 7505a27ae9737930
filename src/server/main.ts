import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { createLogger } from '../common/logger';
import { describeDemoPhones, seedDemo } from '../demo/demo.seed';
import { stop } from './shutdown';
import { start, type Role } from './start';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const role = (args.find((a) => a.startsWith('--role='))?.split('=')[1] ?? 'all') as Role;
  let config;
  try {
    config = loadConfig(process.env, args.includes('--demo') ? { DEMO: '1' } : {});
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const running = await start(config, logger, role);

  // Where the database and Redis are: what `npm start` found or started on this machine.
  const localNotes = running.local.notes.map((n) => `  ${n}\n`).join('');
  const base = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${running.port}`;
  if (running.server) {
    logger.info(
      { graphql: `${base}/graphql`, health: `${base}/health`, ussd: `${base}/api/v1/ussd/` },
      `VoicePact listening on ${base}`,
    );
    console.log(
      `\nVoicePact is up (${role}).\n  GraphQL:   ${base}/graphql\n  Health:    ${base}/health\n  USSD:      ${base}/api/v1/ussd/\n  Jobs:      ${base}/admin/queues (admin key)\n${localNotes}`,
    );
  } else console.log(`\nVoicePact is up (${role}).\n${localNotes}`);
  if (config.DEMO && running.server) {
    const { created } = await seedDemo(running.orm, running.domainDeps);
    console.log(
      `  ${created ? `Seeded ${created} demo contracts.` : 'Demo data already present.'} Simulator: ${base}/simulator\n`,
    );
    console.log(describeDemoPhones());
  }
  if (running.workers)
    console.log(
      `  Workers: payments, notifications, housekeeping (payments by ${running.provider.name}, SMS by ${running.sms.name})\n`,
    );
  if (config.adminKeyGenerated)
    console.log(`  Admin key for this run (set ADMIN_API_KEY to keep one): ${config.ADMIN_API_KEY}\n`);

  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop(running).then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err) => {
  console.error('VoicePact failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
