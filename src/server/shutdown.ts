import type { Running } from './start';

/**
 * Shutdown, in order: stop taking HTTP requests and let those in flight finish, stop the workers
 * (active jobs finish), stop Apollo, then close the ORM and Redis that everything above used, and last stop the
 * embedded PostgreSQL or local redis-server that start() ran on a bare laptop.
 */
export async function stop(running: Running, graceMs = 10_000): Promise<void> {
  const { server, apollo, orm, separatePool, redis, logger, workers, background, queues, queueConnection, provider } =
    running;
  if (server) {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // A keep-alive connection whose request was in flight becomes idle once answered; close() only closes the
    // ones idle at the time, so the rest would hold the exit until the grace period: close them as they go idle.
    const sweep = setInterval(() => server.closeIdleConnections(), 100).unref();
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs).unref();
    await closed;
    clearInterval(sweep);
    clearTimeout(timer);
  }
  await background.drain(graceMs); // callbacks already acknowledged: finish applying them
  await workers?.close(graceMs); // stops taking jobs; active ones finish (bounded by graceMs)
  provider.close?.(); // sandbox: pending settlements are dropped (reconciliation asks again later)
  await apollo.stop();
  await orm.close(true);
  await separatePool.close(true);
  await queues.close();
  await queueConnection.quit().catch(() => queueConnection.disconnect());
  await redis.quit().catch(() => redis.disconnect());
  await running.local.stop(); // last: everything above has let go of the database and Redis
  logger.info('stopped');
}
