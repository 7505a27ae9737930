import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../common/logger';
import { LogThrottle } from '../common/log-throttle';

/**
 * Two kinds of connection. Request-path clients (health, rate limits) fail fast when Redis is away,
 * so a hop answers instead of hanging. BullMQ workers need maxRetriesPerRequest: null (STACK.md, trap 4).
 */
export function createRedis(url: string, name: string, logger: Logger, kind: 'request' | 'worker' = 'request'): Redis {
  const options: RedisOptions =
    kind === 'worker'
      ? { maxRetriesPerRequest: null, connectionName: `voicepact:${name}` }
      : {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          connectTimeout: 2000,
          connectionName: `voicepact:${name}`,
        };
  const client = new Redis(url, options);
  const outage = new LogThrottle(Infinity); // once per outage: ioredis reports every reconnect attempt
  client.on('error', (err) => {
    if (outage.allow()) logger.warn({ err: err.message, connection: name }, 'redis connection error');
  });
  client.on('ready', () => {
    if (outage.reset()) logger.info({ connection: name }, 'redis connection back');
  });
  return client;
}
