import { promises as dns, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { badInput } from '../common/errors';

/** Name resolution, injectable so tests can make a name point anywhere. */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;
export const systemResolve: ResolveHost = (hostname) => dns.lookup(hostname, { all: true, verbatim: true });

export interface WebhookHttpPolicy {
  /** Production: HTTPS only, public addresses only (checked after resolution, at registration and at each send). */
  strict: boolean;
  resolve: ResolveHost;
  timeoutMs: number;
}

/** At most this much of an answer is read: enough to show a partner what its server said. */
export const MAX_RESPONSE_BYTES = 4096;

/**
 * Public unicast only. ipaddr.js names every other range (private, loopback, linkLocal, uniqueLocal, carrierGradeNat,
 * unspecified, multicast, reserved, 6to4/teredo tunnels that could wrap a private address...); IPv4-mapped IPv6
 * addresses are judged as the IPv4 address they carry.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** The registration check: a clear BAD_USER_INPUT for a URL that could never be delivered to. */
export async function checkWebhookUrl(raw: string, policy: WebhookHttpPolicy): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badInput('url is not a valid URL', { field: 'url' });
  }
  if (raw.length > 2048) throw badInput('url must be at most 2048 characters', { field: 'url' });
  if (url.protocol !== 'https:' && (policy.strict || url.protocol !== 'http:'))
    throw badInput(policy.strict ? 'url must use https' : 'url must use http or https', { field: 'url' });
  if (url.username || url.password) throw badInput('url must not carry credentials', { field: 'url' });
  if (!policy.strict) return url;
  const addresses = await resolvePublic(hostOf(url), policy.resolve).catch((err: Error) => {
    throw badInput(`url is not allowed: ${err.message}`, { field: 'url' });
  });
  if (!addresses.length) throw badInput('url host does not resolve', { field: 'url' });
  return url;
}

/** Every address a name has must be public: a name with one private address is refused as a whole. */
async function resolvePublic(host: string, resolve: ResolveHost): Promise<LookupAddress[]> {
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolve(host);
  const refused = addresses.find((a) => !isPublicAddress(a.address));
  if (refused) throw new Error(`${host} resolves to ${refused.address}, a private or local address`);
  return addresses;
}

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  body: string | null;
  error: string | null;
  durationMs: number;
}

/**
 * One POST. In strict mode the connection goes to the address that was checked: the lookup handed to the socket
 * resolves, refuses private ranges and returns only what it accepted (no second resolution an attacker could flip).
 * Redirects are not followed (a 3xx is a failure like any non-2xx); at most MAX_RESPONSE_BYTES are read.
 */
export async function postWebhook(
  target: string,
  headers: Record<string, string>,
  body: string,
  policy: WebhookHttpPolicy,
): Promise<SendResult> {
  const started = Date.now();
  let url: URL;
  try {
    url = new URL(target);
    if (url.protocol !== 'https:' && (policy.strict || url.protocol !== 'http:')) throw new Error('url must use https');
    const host = hostOf(url);
    if (policy.strict && isIP(host) && !isPublicAddress(host)) throw new Error(`${host} is a private or local address`);
  } catch (err) {
    return { ok: false, statusCode: null, body: null, error: (err as Error).message, durationMs: 0 };
  }
  return new Promise<SendResult>((resolve) => {
    let done = false;
    // Called only from callbacks, after timer and req below exist.
    const finish = (r: Omit<SendResult, 'durationMs' | 'ok'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const ok = r.error === null && r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300;
      resolve({ ...r, ok, durationMs: Date.now() - started });
      req.destroy();
    };
    const lookup: LookupFunction = (hostname, options, callback) => {
      const checked = policy.strict ? resolvePublic(hostname, policy.resolve) : policy.resolve(hostname);
      checked.then(
        (addresses) => {
          const wanted = options.family ? addresses.filter((a) => a.family === options.family) : addresses;
          if (!wanted.length) return callback(new Error(`${hostname} has no usable address`), '', 4);
          if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
          callback(null, wanted[0]!.address, wanted[0]!.family);
        },
        (err: Error) => callback(err, '', 4),
      );
    };
    // A timer of its own rather than withTimeout: on expiry the request itself must be torn down.
    const timer = setTimeout(
      () => finish({ statusCode: null, body: null, error: `no answer within ${policy.timeoutMs} ms` }),
      policy.timeoutMs,
    );
    const request = url.protocol === 'https:' ? https.request : http.request;
    const req = request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      lookup,
      agent: false, // a fresh, checked connection per attempt
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const answer = () =>
        finish({
          statusCode: res.statusCode ?? null,
          body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8'),
          error: null,
        });
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= MAX_RESPONSE_BYTES) answer(); // the rest is never read
      });
      res.on('end', answer);
      res.on('error', answer);
    });
    req.on('error', (err) => finish({ statusCode: null, body: null, error: err.message.slice(0, 300) }));
    req.end(body);
  });
}
