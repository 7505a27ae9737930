// npm run bench: USSD hops under 50 concurrent handsets, against a bare Koa route on the same machine.
// Prints requests/s and latency for both, the ratio, and whether the targets of issue 3 hold.
import autocannon, { type Options, type Result } from 'autocannon';
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

const ROOT = path.join(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DB = 'voicepact_bench';
const ADMIN = 'bench-admin-key-0123456789abcdef';
const PHONES = ['+254712345678', '+254722000111', '+254733000222', '+254700123456'];
// A walk a person takes: main menu, contracts, first contract, back, back, payments.
const JOURNEY = ['', '1', '1*1', '1*1*0', '1*1*0*0', '1*1*0*0*3'];

const run = (opts: Options) =>
  new Promise<Result>((resolve, reject) => autocannon(opts, (err, res) => (err ? reject(err) : resolve(res))));

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

async function bare(): Promise<Result> {
  const child = fork(path.join(__dirname, 'bare-koa.server.js'), { stdio: 'ignore' });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  try {
    return await run({
      url: `http://127.0.0.1:${port}/`,
      method: 'POST',
      connections: CONNECTIONS,
      duration: SECONDS,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'sessionId=x&serviceCode=*384%23&phoneNumber=%2B254712345678&text=',
    });
  } finally {
    child.kill('SIGTERM');
  }
}

async function ussd(): Promise<Result> {
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`drop database if exists ${DB} with (force)`);
  await admin.end();
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const port = 3900 + Math.floor(Math.random() * 90);
  const child = spawn(process.execPath, ['dist/src/server/main.js', '--role=api', '--demo'], {
    cwd: ROOT,
    stdio: 'ignore',
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DB}`,
      ADMIN_API_KEY: ADMIN,
      USSD_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      REDIS_PREFIX: `vpbench-${randomBytes(3).toString('hex')}`,
    },
  });
  try {
    await waitFor(`http://127.0.0.1:${port}/health`, child);
    // The demo seed runs just after the service listens: wait until its phones exist.
    for (
      let i = 0;
      i < 100 && !(await (await fetch(`http://127.0.0.1:${port}/simulator/demo-phones`)).json()).length;
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    return await run({
      url: `http://127.0.0.1:${port}/api/v1/ussd/`,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: JOURNEY.map((text, step) => ({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        // Each connection is a handset: a new session at the start of every walk.
        setupRequest: (req: any, context: any) => {
          if (step === 0) {
            context.session = `BENCH-${randomBytes(6).toString('hex')}`;
            context.phone = PHONES[Math.floor(Math.random() * PHONES.length)];
          }
          const body = new URLSearchParams({
            sessionId: context.session,
            serviceCode: '*384*1234#',
            phoneNumber: context.phone,
            networkCode: '63902',
            text,
          });
          return { ...req, body: body.toString() };
        },
      })),
    });
  } finally {
    child.kill('SIGTERM');
  }
}

function line(name: string, r: Result): string {
  const bad = r.non2xx + r.errors + r.timeouts;
  return `${name.padEnd(22)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(r.latency.p50).padStart(4)} ms   p99 ${String(r.latency.p99).padStart(4)} ms   max ${String(r.latency.max).padStart(5)} ms   errors/non-2xx ${bad}`;
}

async function main(): Promise<void> {
  console.log(`USSD benchmark: ${CONNECTIONS} connections, ${SECONDS} s each, on ${cpus().length} cores\n`);
  const b = await bare();
  console.log(line('bare Koa constant', b));
  const u = await ussd();
  console.log(line('USSD hop (full app)', u));
  const ratio = u.requests.average / b.requests.average;
  console.log(`\nratio ${ratio.toFixed(3)} (target >= 0.15): ${ratio >= 0.15 ? 'met' : 'NOT met'}`);
  console.log(`p99 ${u.latency.p99} ms (target <= 25 ms): ${u.latency.p99 <= 25 ? 'met' : 'NOT met'}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
