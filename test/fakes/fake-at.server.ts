import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Africa's Talking's bulk SMS endpoint (POST /version1/messaging, form-encoded, apiKey header),
 * answering with the documented SMSMessageData JSON. Every request is recorded with its parsed form.
 */
export interface RecordedSms {
  path: string;
  headers: IncomingHttpHeaders;
  form: Record<string, string>;
}
type Fault =
  { kind: 'fail'; status: number } | { kind: 'stall' } | { kind: 'reject'; status: string; statusCode: number };

export class FakeAfricasTalkingServer {
  readonly requests: RecordedSms[] = [];
  private server: Server | null = null;
  private faults: Fault[] = [];

  constructor(readonly apiKey = 'test-at-api-key') {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const form = Object.fromEntries(new URLSearchParams(raw));
        this.requests.push({ path: url.pathname, headers: req.headers, form });
        const fault = this.faults.shift();
        if (fault?.kind === 'stall') return; // never answered; stop() drops the connection
        if (fault?.kind === 'fail')
          return void res.writeHead(fault.status, { 'Content-Type': 'text/plain' }).end('Service unavailable');
        if (url.pathname !== '/version1/messaging' || req.method !== 'POST')
          return void res.writeHead(404).end('Not found');
        // Africa's Talking answers a bad key with 401 and a plain-text body.
        if (req.headers.apikey !== this.apiKey)
          return void res
            .writeHead(401, { 'Content-Type': 'text/plain' })
            .end('The supplied authentication is invalid');
        const recipient =
          fault?.kind === 'reject'
            ? { statusCode: fault.statusCode, number: form.to, status: fault.status, cost: '0', messageId: 'None' }
            : {
                statusCode: 101,
                number: form.to,
                status: 'Success',
                cost: 'KES 0.8000',
                messageId: `ATXid_${randomBytes(16).toString('hex')}`,
              };
        const accepted = recipient.statusCode === 101 ? 1 : 0;
        const body = {
          SMSMessageData: { Message: `Sent to ${accepted}/1 Total Cost: ${recipient.cost}`, Recipients: [recipient] },
        };
        res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  /** The next n requests get this HTTP status (500, 503...) and no JSON. */
  failNext(n: number, status = 500): void {
    this.push(n, { kind: 'fail', status });
  }
  /** The next n requests are never answered until stop(). */
  stallNext(n: number): void {
    this.push(n, { kind: 'stall' });
  }
  /** The next n messages are refused per recipient, e.g. ('InvalidPhoneNumber', 403) or ('UserInBlacklist', 406). */
  rejectNext(n: number, status = 'InvalidPhoneNumber', statusCode = 403): void {
    this.push(n, { kind: 'reject', status, statusCode });
  }

  private push(n: number, fault: Fault): void {
    for (let i = 0; i < n; i++) this.faults.push(fault);
  }
}
