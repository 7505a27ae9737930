/**
 * Dial VoicePact's USSD menu from a terminal, the way Africa's Talking calls the webhook for a feature phone.
 *
 *   npm run ussd -- --phone +254712345678 [--url http://127.0.0.1:3000] [--service-code '*384*1234#']
 *
 * Each screen is printed as a handset would wrap it; type the answer at the prompt. Ctrl+D or Ctrl+C quits.
 * Lines piped on stdin are answered in order, so a session can also be scripted.
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { tryNormalizePhone } from '../src/common/phone';

const USAGE = `Usage: npm run ussd -- --phone +254712345678 [--url http://127.0.0.1:3000] [--service-code '*384*1234#']`;
const WEBHOOK_PATH = '/api/v1/ussd/';
const NETWORK_CODE = '99999'; // Africa's Talking's sandbox network: marks the session as simulated
const SCREEN_COLS = 22; // characters per line in a handset's USSD dialog, as in the browser simulator
const SCREEN_LIMIT = 160;
const TIMEOUT_MS = 10_000;

interface Options {
  phoneNumber: string;
  serviceCode: string;
  webhook: URL;
}

interface Answer {
  end: boolean;
  screen: string;
}

/** A problem to tell the person in one sentence, without a stack trace. */
class Failure extends Error {}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      phone: { type: 'string' },
      url: { type: 'string', default: 'http://127.0.0.1:3000' },
      'service-code': { type: 'string', default: '*384*1234#' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!values.phone) throw new Failure('--phone is required');
  const phoneNumber = tryNormalizePhone(values.phone);
  if (!phoneNumber) throw new Failure(`${values.phone} is not a valid phone number`);
  const serviceCode = values['service-code'];
  if (!/^\*[0-9*]+#$/.test(serviceCode)) throw new Failure(`${serviceCode} is not a USSD code like *384*1234#`);
  let webhook: URL;
  try {
    webhook = new URL(WEBHOOK_PATH, values.url);
  } catch {
    throw new Failure(`${values.url} is not a URL`);
  }
  return { phoneNumber, serviceCode, webhook };
}

async function post(webhook: URL, fields: Record<string, string>): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new Failure(unreachable(err, webhook));
  }
  const raw = await res.text();
  if (!res.ok) throw new Failure(`The service answered HTTP ${res.status}: ${raw.slice(0, 200)}`);
  const match = /^(CON|END) ?([\s\S]*)$/.exec(raw);
  if (!match) throw new Failure(`The answer does not start with CON or END: ${JSON.stringify(raw.slice(0, 200))}`);
  return { end: match[1] === 'END', screen: match[2] };
}

function unreachable(err: unknown, webhook: URL): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `No answer from ${webhook.origin} within ${TIMEOUT_MS / 1000} s.`;
  if (e.cause?.code === 'ECONNREFUSED') {
    return `Cannot reach VoicePact at ${webhook.origin}: nothing is listening there. Start it with \`npm start\`, or pass --url.`;
  }
  return `Cannot reach VoicePact at ${webhook.origin}: ${e.cause?.message ?? e.message}`;
}

/** Word-wraps like a handset: at spaces, cutting only a word wider than the screen. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '';
    for (let word of paragraph.split(' ')) {
      while (word.length > width) {
        if (line) out.push(line);
        line = '';
        out.push(word.slice(0, width));
        word = word.slice(width);
      }
      if (!line) line = word;
      else if (line.length + 1 + word.length <= width) line += ' ' + word;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out;
}

function frame(screen: string): string {
  const bar = '─'.repeat(SCREEN_COLS + 2);
  const lines = wrap(screen, SCREEN_COLS).map((l) => `│ ${l.padEnd(SCREEN_COLS)} │`);
  return [`┌${bar}┐`, ...lines, `└${bar}┘`].join('\n');
}

/**
 * Prompts for lines. Lines that arrive before the prompt (piped input) are queued rather than lost, which
 * readline's own question() would do. Resolves null once input has ended (Ctrl+D, Ctrl+C, end of pipe).
 */
function lineReader() {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const queued: string[] = [];
  let waiting: ((line: string | null) => void) | null = null;
  let closed = false;
  rl.on('line', (line) => {
    if (!waiting) return void queued.push(line);
    const resolve = waiting;
    waiting = null;
    resolve(line);
  });
  rl.on('SIGINT', () => rl.close());
  rl.on('close', () => {
    closed = true;
    waiting?.(null);
  });
  // Piped answers are not echoed by the terminal: print them so the transcript reads like a session.
  const echo = (line: string | null) => {
    if (line !== null && !process.stdin.isTTY) process.stdout.write(line + '\n');
    return line;
  };
  return {
    ask(prompt: string): Promise<string | null> {
      rl.setPrompt(prompt);
      rl.prompt();
      if (queued.length > 0) return Promise.resolve(echo(queued.shift()!));
      if (closed) return Promise.resolve(null);
      return new Promise((resolve) => (waiting = (line) => resolve(echo(line))));
    },
    close: () => rl.close(),
  };
}

type Reader = ReturnType<typeof lineReader>;

/** One USSD session, from dialling to END. Returns how it finished. */
async function runSession(opts: Options, input: Reader): Promise<'ended' | 'failed' | 'quit'> {
  const sessionId = `CLI-${randomBytes(6).toString('hex')}`;
  const answers: string[] = [];
  for (;;) {
    let answer: Answer;
    try {
      answer = await post(opts.webhook, {
        sessionId,
        serviceCode: opts.serviceCode,
        phoneNumber: opts.phoneNumber,
        networkCode: NETWORK_CODE,
        text: answers.join('*'), // every answer so far, as Africa's Talking sends it
      });
    } catch (err) {
      if (!(err instanceof Failure)) throw err;
      console.error(`\n✗ ${err.message}`);
      return 'failed';
    }
    console.log(`\n${frame(answer.screen)}`);
    if (answer.screen.length > SCREEN_LIMIT) {
      console.log(`  ⚠ ${answer.screen.length} characters: a handset shows at most ${SCREEN_LIMIT}.`);
    }
    if (answer.end) {
      console.log('  (session ended)');
      return 'ended';
    }
    let reply: string | null;
    do reply = await input.ask('> ');
    while (reply !== null && reply.trim() === ''); // a handset will not send an empty reply
    if (reply === null) return 'quit';
    answers.push(reply.trim());
  }
}

async function main(): Promise<void> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  console.log(`Dialling ${opts.serviceCode} as ${opts.phoneNumber} (${opts.webhook}). Ctrl+D quits.`);
  const input = lineReader();
  let outcome: Awaited<ReturnType<typeof runSession>>;
  for (;;) {
    outcome = await runSession(opts, input);
    if (outcome === 'quit') break;
    const again = await input.ask(outcome === 'failed' ? '\nTry again? [Y/n] ' : '\nDial again? [Y/n] ');
    if (again === null || /^\s*[nq]/i.test(again)) break;
  }
  input.close();
  console.log('\nBye.');
  if (outcome === 'failed') process.exitCode = 1; // lets a scripted run notice the service was not there
}

void main();
