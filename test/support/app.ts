import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { createLogger, type Logger } from '../../src/common/logger';
import { stop } from '../../src/server/shutdown';
import { start, type Role, type Running } from '../../src/server/start';
import { dropDatabase, freshDatabaseUrl } from './database';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';

export interface TestApp {
  running: Running;
  url: string;
  databaseUrl: string;
  /** POST /graphql; returns the parsed body and the HTTP status. */
  gql(query: string, variables?: Record<string, unknown>, token?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * The real service (database migrated, Redis, HTTP on a free port) over a database of its own.
 * `env` overrides configuration as the environment would.
 */
export async function startTestApp(
  label: string,
  env: Record<string, string> = {},
  role: Role = 'api',
  /** A logger of the test's own (to read the log lines the app writes). */
  logger?: Logger,
): Promise<TestApp> {
  const databaseUrl = freshDatabaseUrl(label);
  const config = loadConfig(
    {},
    {
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      REDIS_PREFIX: `vptest-${randomBytes(4).toString('hex')}`,
      ADMIN_API_KEY: ADMIN_KEY,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    },
  );
  const running = await start(config, logger ?? createLogger(config.LOG_LEVEL), role);
  const url = `http://127.0.0.1:${running.port}`;
  return {
    running,
    url,
    databaseUrl,
    async gql(query, variables, token) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: await res.json() };
    },
    async close() {
      await stop(running);
      await dropDatabase(databaseUrl);
    },
  };
}
