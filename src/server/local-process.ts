import { readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';

/**
 * Small helpers for the servers `npm start` runs itself on a laptop (embedded PostgreSQL, a local redis-server):
 * probing a port, picking a free one, and remembering which Node process owns a server that outlives a crash.
 */

/** true when something accepts a TCP connection on host:port within timeoutMs. */
export function portAnswers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A port nobody listens on right now on 127.0.0.1 (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by another user (postgres as root's child)
  }
}

export function parseAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(address.slice(at + 1)) };
}

/**
 * Who owns a server left running: the Node process that started (or adopted) it stops it at shutdown. A server
 * whose owner is still alive belongs to a sibling (`npm run start:api` beside `start:worker`) and is shared, never
 * stopped; one whose owner died (SIGKILL, a crash) is adopted by the next start.
 */
export class Ownership {
  constructor(private readonly file: string) {}

  async claim(): Promise<'owned' | 'shared'> {
    const owner = await this.owner();
    if (owner !== null && owner !== process.pid && pidAlive(owner)) return 'shared';
    await writeFile(this.file, `${process.pid}\n`);
    return 'owned';
  }

  async release(): Promise<void> {
    if ((await this.owner()) === process.pid) await rm(this.file, { force: true });
  }

  private async owner(): Promise<number | null> {
    const text = await readFile(this.file, 'utf8').catch(() => null);
    const pid = text === null ? NaN : Number.parseInt(text, 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }
}
