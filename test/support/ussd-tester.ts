import { randomBytes } from 'node:crypto';

/**
 * A handset for tests, over real HTTP to the real app, the way Africa's Talking calls the webhook:
 *
 *   await ussd(app.url).dial(BUYER).expect('Welcome to VoicePact').enter('1').expectScreen('Your Contracts:\n...');
 *
 * Each call queues a step; awaiting the chain runs it and gives the last answer. `enter` adds an input to
 * the session's path (`1*2*...`) as AT does; `send` posts a raw `text` (replays, shortcuts, odd input).
 */

export interface Answer {
  status: number;
  /** The raw body, e.g. "CON Welcome to VoicePact\n1. ...". */
  body: string;
  /** The body without its CON/END prefix. */
  screen: string;
  end: boolean;
}

export const SERVICE_CODE = '*384*1234#';
export const newSessionId = () => `ATUid_${randomBytes(8).toString('hex')}`;

/** One POST to the webhook with exactly these fields (bad-field tests use it directly). */
export async function postUssd(
  baseUrl: string,
  fields: Record<string, string | string[]>,
  headers: Record<string, string> = {},
  path = '/api/v1/ussd/',
): Promise<Answer> {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) form.append(k, one);
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form.toString(),
  });
  const body = await res.text();
  const match = /^(CON|END) ([\s\S]*)$/.exec(body);
  return { status: res.status, body, screen: match ? match[2] : body, end: match?.[1] === 'END' };
}

export class Handset implements PromiseLike<Answer> {
  private chain: Promise<unknown> = Promise.resolve();
  /** Inputs so far, joined as AT joins them. */
  path = '';
  last: Answer = { status: 0, body: '', screen: '', end: false };
  readonly answers: Answer[] = [];

  constructor(
    private readonly baseUrl: string,
    readonly phone: string,
    readonly sessionId: string = newSessionId(),
  ) {}

  private step(fn: () => unknown): this {
    this.chain = this.chain.then(fn);
    return this;
  }

  /** Posts `text` as this session's next request (the path continues from it). */
  send(text: string): this {
    return this.step(() => this.post(text));
  }

  /** Types one input (or several joined by `*`) and presses send. */
  enter(input: string): this {
    return this.step(() => this.post(this.path === '' ? input : `${this.path}*${input}`));
  }

  private async post(text: string): Promise<void> {
    this.path = text;
    this.last = await postUssd(this.baseUrl, {
      sessionId: this.sessionId,
      serviceCode: SERVICE_CODE,
      phoneNumber: this.phone,
      networkCode: '63902',
      text,
    });
    this.answers.push(this.last);
  }

  /** The screen contains `text`. */
  expect(text: string): this {
    return this.step(() => {
      expect(this.last.status).toBe(200);
      expect(this.last.screen).toContain(text);
    });
  }

  /** The screen is exactly `screen` and waits for input (CON). */
  expectScreen(screen: string): this {
    return this.step(() => {
      expect(this.last.status).toBe(200);
      expect(this.last.body).toBe(`CON ${screen}`);
    });
  }

  /** The session ended (END), with exactly `screen` when given. */
  expectEnd(screen?: string): this {
    return this.step(() => {
      expect(this.last.status).toBe(200);
      if (screen === undefined) expect(this.last.body).toMatch(/^END /);
      else expect(this.last.body).toBe(`END ${screen}`);
    });
  }

  /** Runs an assertion of your own against the last answer. */
  check(fn: (answer: Answer) => unknown): this {
    return this.step(() => fn(this.last));
  }

  then<R1 = Answer, R2 = never>(
    onFulfilled?: ((value: Answer) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    return this.chain.then(() => this.last).then(onFulfilled, onRejected);
  }
}

/** `ussd(app.url).dial(phone)`: a new session that has sent its first request. */
export function ussd(baseUrl: string) {
  return {
    dial: (phone: string, sessionId?: string) => new Handset(baseUrl, phone, sessionId).send(''),
    /** A session that has sent nothing yet (to start with a shortcut such as `*384*1234*1#`). */
    session: (phone: string, sessionId?: string) => new Handset(baseUrl, phone, sessionId),
  };
}

/** AT's end-of-session notification. */
export async function postEvent(
  baseUrl: string,
  fields: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${baseUrl}/api/v1/ussd/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: await res.text() };
}
