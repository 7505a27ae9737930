import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../common/logger';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import { parseAddress, portAnswers } from './local-process';
import { startLocalRedis, type LocalRedis } from './local-redis';

/**
 * `npm start` on a bare laptop (issue 14). Outside production, with DATABASE_URL / REDIS_URL unset: what answers on
 * the local addresses is used as before; otherwise an embedded PostgreSQL and a redis-server from the PATH are
 * started, and stopped with the service. Production validated both URLs in src/config.ts and starts nothing.
 */
export interface LocalServices {
  /** The configuration with the URLs of what was started. */
  config: Config;
  /** One line each for the start banner. */
  notes: string[];
  postgres: EmbeddedPostgres | null;
  redis: LocalRedis | null;
  stop(): Promise<void>;
}

/** `redis: false` for the scripts that only need the database (seed:demo, partner:create). */
export async function provideLocalServices(
  config: Config,
  logger: Logger,
  { redis = true }: { redis?: boolean } = {},
): Promise<LocalServices> {
  const localDir = path.resolve(config.LOCAL_DATA_DIR);
  const notes: string[] = [];
  const local = { config, notes, postgres: null as EmbeddedPostgres | null, redis: null as LocalRedis | null };
  const stop = async () => {
    await local.postgres?.stop();
    await local.redis?.stop();
  };
  if (config.NODE_ENV === 'production') return { ...local, stop };

  try {
    // Redis first: when it cannot be had, nothing has been started for nothing.
    if (redis && !config.redisUrlSet) {
      if (await answers(config.LOCAL_REDIS_ADDRESS)) notes.push(`Redis:     ${config.LOCAL_REDIS_ADDRESS}`);
      else {
        local.redis = await startLocalRedis(localDir, config.LOCAL_REDIS_ADDRESS, logger);
        local.config = { ...local.config, REDIS_URL: local.redis.url };
        notes.push(
          `Redis:     nothing on ${config.LOCAL_REDIS_ADDRESS}, so a redis-server without persistence on port ` +
            `${local.redis.port} (${STATES[local.redis.state]})`,
        );
      }
    }
    const localPostgres = !config.EMBEDDED_POSTGRES && !config.databaseUrlSet;
    if (localPostgres && (await answers(config.LOCAL_POSTGRES_ADDRESS)))
      notes.push(`Database:  PostgreSQL on ${config.LOCAL_POSTGRES_ADDRESS}`);
    else if (!config.databaseUrlSet) {
      const why = config.EMBEDDED_POSTGRES ? 'EMBEDDED_POSTGRES=true' : `nothing on ${config.LOCAL_POSTGRES_ADDRESS}`;
      local.postgres = await startEmbeddedPostgres(localDir, logger);
      local.config = { ...local.config, DATABASE_URL: local.postgres.url };
      const dir = path.relative(process.cwd(), local.postgres.dataDir);
      notes.push(
        `Database:  ${why}, so the embedded PostgreSQL on port ${local.postgres.port}, data in ` +
          `${dir && !dir.startsWith('..') ? dir : local.postgres.dataDir} (${STATES[local.postgres.state]})`,
      );
    }
  } catch (err) {
    await stop().catch((e) => logger.error({ err: e }, 'stopping the local services failed'));
    throw err;
  }
  return { ...local, stop };
}

const STATES: Record<EmbeddedPostgres['state'] | LocalRedis['state'], string> = {
  created: 'new data folder',
  existing: 'existing data',
  started: 'started for this run',
  adopted: 'left running by an earlier run, reused',
  shared: 'shared with another VoicePact process',
};

function answers(address: string): Promise<boolean> {
  const { host, port } = parseAddress(address);
  return portAnswers(host, port);
}
