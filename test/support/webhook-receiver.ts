import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; createdAt: string; data: Record<string, any> };
}

/** A partner's server on loopback: records every POST and answers with what `answer` decides (200 by default). */
export async function startReceiver(
  answer: (n: number, r: Received) => number = () => 200,
  extra: { body?: string; headers?: Record<string, string> } = {},
) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const r: Received = { headers: req.headers, raw, body: JSON.parse(raw) };
      received.push(r);
      res.statusCode = answer(received.length, r);
      for (const [k, v] of Object.entries(extra.headers ?? {})) res.setHeader(k, v);
      res.end(extra.body ?? (res.statusCode === 200 ? 'ok' : 'try again'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return {
    url,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
