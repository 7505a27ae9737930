// npm run bench: what a USSD hop and a GraphQL page cost (issue 12), beside a bare Koa route on the same machine.
//
// For 50 and 200 handsets: hops/s, p50/p95/p99, errors, CPU ms per hop of the service and of PostgreSQL
// (utime+stime from /proc/<pid>/stat of the service and of the postgres backends serving its database,
// before and after the run), SQL statements per hop (counted in the service's pg driver, SQL_STATEMENT_COUNT),
// peak RSS. Then the GraphQL API alone: a page of 100 contracts with parties, payments and deliveries.
// Prints a table and writes the same figures as JSON to bench/results/.
//
// BENCH_SECONDS (10), BENCH_HANDSETS ("50,200"), BENCH_LOG_LEVEL (info), BENCH_LABEL (a note kept in the JSON),
// BENCH_CPU_PROF (profile the service; summarise with `node bench/profile-summary.js <file>`), BENCH_NODE_ENV
// (production; `development` runs the service as `npm start` does on a laptop), BENCH_NODE_ARGS (V8 flags).
import autocannon, { type Options, type Result } from 'autocannon';
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

const ROOT = path.join(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const HANDSETS = (process.env.BENCH_HANDSETS ?? '50,200').split(',').map(Number);
const DB = 'voicepact_bench';
const ADMIN = 'bench-admin-key-0123456789abcdef';
const PHONES = ['+254712345678', '+254722000111', '+254733000222', '+254700123456'];
const TICK_MS = 1000 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);
// A walk a person takes, reading and writing: main menu, contracts, first contract, back, back, payments,
// back, help, language, English (a mutation: the hop takes the session's lock and runs setLanguage).
const JOURNEY = ['', '1', '1*1', '1*1*0', '1*1*0*0', '1*1*0*0*3', '1*1*0*0*3*0', '1*1*0*0*3*0*4'];
JOURNEY.push(`${JOURNEY.at(-1)}*1`, `${JOURNEY.at(-1)}*1*1`);
const PAGE_QUERY = `query BenchPage { contracts(first: 100) { pageInfo { hasNextPage } nodes {
  id code product quantity unit totalAmount currency status createdAt
  parties { phoneNumber role name acceptedAt }
  payments { id amount currency status createdAt }
  deliveries { id kind quantity acceptedAt createdAt } } } }`;

const PRODUCTION = {
  NODE_ENV: 'production',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  PAYMENT_PROVIDER: 'mpesa',
  MPESA_BASE_URL: 'http://127.0.0.1:9',
  MPESA_CONSUMER_KEY: 'bench',
  MPESA_CONSUMER_SECRET: 'bench',
  MPESA_SHORTCODE: '174379',
  MPESA_PASSKEY: 'bench',
  MPESA_INITIATOR_NAME: 'bench',
  MPESA_SECURITY_CREDENTIAL: 'bench',
  MPESA_CALLBACK_TOKEN: 'bench-callback-token-0123',
  WEBHOOK_SECRET_KEY: 'bench-webhook-secret-key-0123456789abcdef',
};

const run = (opts: Options) =>
  new Promise<Result>((resolve, reject) => autocannon(opts, (err, res) => (err ? reject(err) : resolve(res))));

/** utime + stime of a process, in ms; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // fields 14 and 15 of stat(5)
  } catch {
    return 0;
  }
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** What a measured stretch cost the service and the PostgreSQL backends of its database. */
class Meter {
  private service = 0;
  private backends = new Map<number, number>();
  private statements = 0;
  private outcomes = new Map<string, number>();

  constructor(
    private readonly pid: number,
    private readonly admin: Client,
    private readonly base: string,
  ) {}

  private async pgPids(): Promise<number[]> {
    const { rows } = await this.admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [
      DB,
    ]);
    return rows.map((r) => r.pid);
  }

  private async scrape(): Promise<{ statements: number; outcomes: Map<string, number> }> {
    const text = await (await fetch(`${this.base}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    const statements = Number(/^db_statements_total (\d+)/m.exec(text)?.[1] ?? NaN);
    const outcomes = new Map<string, number>();
    for (const m of text.matchAll(/^ussd_requests_total\{screen="[^"]*",outcome="([^"]+)"\} (\d+)/gm))
      outcomes.set(m[1], (outcomes.get(m[1]) ?? 0) + Number(m[2]));
    return { statements, outcomes };
  }

  async start(): Promise<void> {
    const s = await this.scrape();
    this.statements = s.statements;
    this.outcomes = s.outcomes;
    this.backends = new Map((await this.pgPids()).map((p) => [p, cpuMs(p)]));
    this.service = cpuMs(this.pid);
  }

  /** Per unit (hop or request). A backend that started during the run counts from 0; one that ended is missed. */
  async stop(units: number) {
    const service = cpuMs(this.pid) - this.service;
    let postgres = 0;
    for (const p of new Set([...this.backends.keys(), ...(await this.pgPids())]))
      postgres += Math.max(0, cpuMs(p) - (this.backends.get(p) ?? 0));
    const s = await this.scrape();
    const outcomes: Record<string, number> = {};
    for (const [k, v] of s.outcomes) if (v - (this.outcomes.get(k) ?? 0)) outcomes[k] = v - (this.outcomes.get(k) ?? 0);
    const per = (x: number) => Math.round((x / units) * 1000) / 1000;
    return {
      serviceCpuMs: per(service),
      postgresCpuMs: per(postgres),
      totalCpuMs: per(service + postgres),
      // The metrics scrape itself is one request without SQL: no correction needed.
      statements: per(s.statements - this.statements),
      outcomes,
      peakRssMb: peakRssMb(this.pid),
    };
  }
}

/** Latencies of every response, for percentiles autocannon does not give (p95). */
function latencies(): { times: number[]; setupClient: Options['setupClient'] } {
  const times: number[] = [];
  return {
    times,
    setupClient: (client) =>
      client.on('response', (_status: number, _bytes: number, ms: number) => {
        times.push(ms);
      }),
  };
}

function percentiles(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN) * 10) / 10;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

function summary(r: Result, times: number[]) {
  return {
    perSecond: Math.round(r.requests.total / r.duration),
    requests: r.requests.total,
    ...percentiles(times),
    errors: r.non2xx + r.errors, // autocannon's errors include its timeouts
    // apart: a 5xx from the service, a socket error, or no answer within autocannon's 10 s
    non2xx: r.non2xx,
    socketErrors: r.errors - r.timeouts,
    timeouts: r.timeouts,
  };
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
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

async function bare(connections: number) {
  const child = fork(path.join(__dirname, 'bare-koa.server.js'), { stdio: 'ignore' });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  try {
    const opts = {
      url: `http://127.0.0.1:${port}/`,
      method: 'POST' as const,
      connections,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'sessionId=x&serviceCode=*384%23&phoneNumber=%2B254712345678&text=',
    };
    await run({ ...opts, duration: 2 });
    const lat = latencies();
    const before = cpuMs(child.pid!);
    const r = await run({ ...opts, duration: SECONDS, setupClient: lat.setupClient });
    const cpu = cpuMs(child.pid!) - before;
    return { ...summary(r, lat.times), serviceCpuMs: Math.round((cpu / r.requests.total) * 1000) / 1000 };
  } finally {
    child.kill('SIGTERM');
  }
}

function ussdOptions(base: string, connections: number, duration: number, setupClient?: Options['setupClient']) {
  return {
    url: `${base}/api/v1/ussd/`,
    connections,
    duration,
    setupClient,
    requests: JOURNEY.map((text, step) => ({
      method: 'POST' as const,
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
  };
}

async function ussd(base: string, meter: Meter, handsets: number) {
  const lat = latencies();
  await meter.start();
  const r = await run(ussdOptions(base, handsets, SECONDS, lat.setupClient));
  return { handsets, ...summary(r, lat.times), ...(await meter.stop(r.requests.total)) };
}

/** Copies the demo contracts (parties, payments, deliveries with them) until there are more than 100. */
async function growContracts(admin: Client): Promise<number> {
  const db = new Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${DB}` });
  await db.connect();
  try {
    const columns = async (table: string) =>
      (
        await db.query<{ column_name: string }>(
          `select column_name from information_schema.columns where table_name = $1 order by ordinal_position`,
          [table],
        )
      ).rows.map((r) => r.column_name);
    const { rows } = await db.query<{ n: string }>('select count(*) as n from contracts');
    const copies = Math.ceil(120 / Number(rows[0].n));
    await db.query('begin');
    await db.query(
      `create temp table copies on commit drop as select c.id as old, gen_random_uuid() as new, g from contracts c, generate_series(1, $1::int) g`,
      [copies],
    );
    const clone = async (table: string, key: 'id' | 'contract_id') => {
      const cols = await columns(table);
      const pick = cols.map((c) =>
        c === key
          ? 'm.new'
          : c === 'id'
            ? 'gen_random_uuid()'
            : c === 'code'
              ? `'VB' || lpad(m.g::text, 3, '0') || substr(t.code, 4)`
              : c.endsWith('_ref')
                ? `t.${c} || '-' || m.g` // unique references stay unique
                : `t.${c}`,
      );
      await db.query(
        `insert into ${table} (${cols.join(', ')}) select ${pick.join(', ')} from ${table} t join copies m on m.old = t.${key}`,
      );
    };
    await clone('contracts', 'id');
    for (const t of ['parties', 'payments', 'deliveries']) await clone(t, 'contract_id');
    await db.query('commit');
    return Number((await db.query<{ n: string }>('select count(*) as n from contracts')).rows[0].n);
  } finally {
    await db.end();
    void admin;
  }
}

async function graphqlPage(base: string, meter: Meter) {
  const opts = {
    url: `${base}/graphql`,
    method: 'POST' as const,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ query: PAGE_QUERY }),
  };
  const probe = await (await fetch(opts.url, { method: 'POST', headers: opts.headers, body: opts.body })).json();
  if (probe.errors) throw new Error(`GraphQL page failed: ${JSON.stringify(probe.errors)}`);
  const nodes = probe.data.contracts.nodes.length;
  await run({ ...opts, connections: 1, amount: 30 });
  // One request at a time: latency is the work, not queueing.
  const lat = latencies();
  await meter.start();
  const r = await run({ ...opts, connections: 1, amount: 200, setupClient: lat.setupClient });
  const { outcomes: _none, ...cost } = await meter.stop(r.requests.total);
  return { contracts: nodes, ...summary(r, lat.times), ...cost };
}

async function app() {
  const admin = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`drop database if exists ${DB} with (force)`);
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const port = 3900 + Math.floor(Math.random() * 90);
  const base = `http://127.0.0.1:${port}`;
  // BENCH_CPU_PROF=1: a V8 profile of the service, written at its exit (node --cpu-prof) to bench/results/prof/.
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(__dirname, 'results', 'prof')}`]
    : [];
  // BENCH_NODE_ARGS: V8 flags for the service alone (say --max-semi-space-size=8), to try before adopting.
  const flags = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, ...prof, 'dist/src/server/main.js', '--role=api', '--demo'], {
    cwd: ROOT,
    stdio: 'ignore',
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${DB}`,
      ADMIN_API_KEY: ADMIN,
      USSD_RATE_LIMIT_PER_MINUTE: '0',
      SQL_STATEMENT_COUNT: '1',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      REDIS_PREFIX: `vpbench-${randomBytes(3).toString('hex')}`,
      // As production runs it (graphql-js, for one, checks more outside production). The journeys never pay,
      // so M-Pesa's address is a closed loopback port; the settings production requires are set to dummies.
      ...(process.env.BENCH_NODE_ENV === 'development' ? {} : PRODUCTION),
    },
  });
  try {
    await waitFor(`${base}/health`, child);
    // The demo seed runs just after the service listens: wait until its phones exist.
    for (
      let i = 0;
      i < 100 &&
      !(await (await fetch(`${base}/simulator/demo-phones`, { headers: { authorization: `Bearer ${ADMIN}` } })).json())
        .length;
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    const meter = new Meter(child.pid!, admin, base);
    const idleRssMb = peakRssMb(child.pid!);
    await run(ussdOptions(base, 50, 3)); // warm-up: JIT, pool connections, prepared statements
    const hops = [];
    for (const n of HANDSETS) hops.push(await ussd(base, meter, n));
    const contracts = await growContracts(admin);
    const graphql = await graphqlPage(base, meter);
    return { idleRssMb, hops, graphql: { ...graphql, contractsInDatabase: contracts } };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await admin.end();
  }
}

function row(name: string, x: Record<string, any>): string {
  const cols = [
    name.padEnd(20),
    String(x.perSecond).padStart(7) + '/s',
    `p50 ${String(x.p50).padStart(5)}`,
    `p95 ${String(x.p95).padStart(5)}`,
    `p99 ${String(x.p99).padStart(5)} ms`,
    `err ${x.errors}`,
  ];
  if (x.serviceCpuMs !== undefined) cols.push(`cpu ${x.serviceCpuMs} ms`);
  if (x.postgresCpuMs !== undefined) cols.push(`+ pg ${x.postgresCpuMs} = ${x.totalCpuMs} ms`);
  if (x.statements !== undefined) cols.push(`sql ${x.statements}`);
  if (x.peakRssMb !== undefined) cols.push(`rss ${x.peakRssMb} MB`);
  return cols.join('  ');
}

async function main(): Promise<void> {
  const started = new Date();
  const machine = {
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    memGb: Math.round(totalmem() / 2 ** 30),
    load: loadavg(),
  };
  console.log(
    `USSD benchmark: ${SECONDS} s per run, ${machine.cores} cores, load ${machine.load.map((l) => l.toFixed(1)).join(' ')}\n`,
  );
  const bareKoa = await bare(50);
  console.log(row('bare Koa (50)', bareKoa));
  const a = await app();
  for (const h of a.hops) console.log(row(`USSD hop (${h.handsets})`, h));
  console.log(row(`GraphQL page (${a.graphql.contracts})`, a.graphql));
  for (const h of a.hops) {
    const bad = Object.entries(h.outcomes).filter(([k]) => k === 'error' || k === 'timeout');
    if (bad.length)
      console.log(`  ${h.handsets} handsets: hops answered "unavailable": ${JSON.stringify(Object.fromEntries(bad))}`);
  }
  const h50 = a.hops.find((h) => h.handsets === 50);
  const h200 = a.hops.find((h) => h.handsets === 200);
  const targets = {
    cpuPerHopMs: h50 && { value: h50.totalCpuMs, target: 0.6, met: h50.totalCpuMs <= 0.6 },
    hopsPerSecond: h50 && { value: h50.perSecond, target: 2000, met: h50.perSecond >= 2000 },
    p99At50: h50 && { value: h50.p99, target: 25, met: h50.p99 <= 25 },
    p99At200: h200 && { value: h200.p99, target: 100, met: h200.p99 <= 100 },
    rssMb: { value: Math.max(...a.hops.map((h) => h.peakRssMb)), target: 300 },
    graphqlCpuMs: { value: a.graphql.serviceCpuMs, target: 8, met: a.graphql.serviceCpuMs <= 8 },
    graphqlStatements: { value: a.graphql.statements, target: 4, met: a.graphql.statements <= 4 },
  };
  console.log('\nTargets (issue 12):');
  for (const [k, t] of Object.entries(targets))
    if (t)
      console.log(
        `  ${k.padEnd(18)} ${String(t.value).padStart(8)}  target ${t.target}  ${'met' in t ? (t.met ? 'met' : 'NOT met') : ''}`,
      );
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    /* not a git checkout */
  }
  const result = {
    at: started.toISOString(),
    label: process.env.BENCH_LABEL ?? null,
    nodeEnv: process.env.BENCH_NODE_ENV === 'development' ? 'development' : 'production',
    commit,
    machine,
    seconds: SECONDS,
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
    nodeArgs: process.env.BENCH_NODE_ARGS ?? null,
    journey: JOURNEY,
    bareKoa,
    ...a,
    targets,
  };
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${started.toISOString().slice(0, 16).replace(':', '')}Z.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(ROOT, file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
