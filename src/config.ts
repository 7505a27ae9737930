import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * The one place that reads process.env. Everything else receives a Config.
 * A bad value stops start-up with a message naming the variable.
 */
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
const int = (def: number) => z.coerce.number().int().min(0).default(def);
const cidrList = (def: string) =>
  z
    .string()
    .default(def)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[\w.-]+):\d{1,5}$/, 'must be host:port');

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(3000),
    HOST: z.string().default('0.0.0.0'),
    /**
     * Unset (development): PostgreSQL on LOCAL_POSTGRES_ADDRESS if it answers, else the embedded one; Redis on
     * LOCAL_REDIS_ADDRESS if it answers, else a redis-server started from the PATH (src/server/local-services.ts).
     */
    DATABASE_URL: z.url().optional(),
    REDIS_URL: z.url().optional(),
    /** Development: start the embedded PostgreSQL even when LOCAL_POSTGRES_ADDRESS answers. */
    EMBEDDED_POSTGRES: bool.default(false),
    LOCAL_POSTGRES_ADDRESS: hostPort.default('127.0.0.1:5432'),
    LOCAL_REDIS_ADDRESS: hostPort.default('127.0.0.1:6379'),
    /** The embedded PostgreSQL's data and the local redis-server's files (relative to the working directory). */
    LOCAL_DATA_DIR: z.string().min(1).default('.data'),
    /**
     * Key prefix for queues and rate limits: lets deployments (and test files) share one Redis. Unset, it is
     * `voicepact:<database name>`, so two databases on one Redis never run each other's jobs.
     */
    REDIS_PREFIX: z
      .string()
      .regex(/^[\w:-]{1,80}$/)
      .optional(),
    ADMIN_API_KEY: z.string().min(24, 'must be at least 24 characters').optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY: bool.default(false),
    /** With TRUST_PROXY: how many proxies of ours append to X-Forwarded-For (the caller is that many from the end). */
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(1).default(1),
    DEFAULT_COUNTRY: z.string().length(2).default('KE'),
    /** Countries whose mobile numbers the payment provider can charge and pay (ISO 3166 codes, comma-separated). */
    PAYMENT_COUNTRIES: z
      .string()
      .default('KE')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim().toUpperCase())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^[A-Z]{2}$/, 'must be ISO country codes such as KE')).min(1)),
    /** Limits of a contract's total, in whole currency units (M-Pesa moves whole shillings). */
    CONTRACT_MIN_AMOUNT: z.coerce.number().int().min(1).default(10),
    CONTRACT_MAX_AMOUNT: z.coerce.number().int().min(1).default(250_000),
    /** A wrong VoicePact PIN this many times in a row locks it for PIN_LOCK_MINUTES. */
    PIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(3),
    PIN_LOCK_MINUTES: z.coerce.number().positive().default(30),
    LOGIN_CODE_TTL_SECONDS: int(300),
    SESSION_TOKEN_TTL_HOURS: int(24 * 30),
    /** Wrong login codes allowed per phone, and per caller address, in LOGIN_GUESS_WINDOW_SECONDS (issue 10). */
    LOGIN_GUESSES_PER_PHONE: z.coerce.number().int().min(1).default(10),
    LOGIN_GUESSES_PER_ADDRESS: z.coerce.number().int().min(1).default(50),
    LOGIN_GUESS_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
    GRAPHQL_MAX_DEPTH: int(8),
    GRAPHQL_MAX_COST: int(5000),
    // USSD adapter
    USSD_ALLOWED_IPS: cidrList('127.0.0.1/8,::1/128'),
    USSD_DEADLINE_MS: int(5000),
    USSD_RATE_LIMIT_PER_MINUTE: int(60),
    USSD_SESSION_TTL_SECONDS: int(300),
    USSD_SESSION_RETENTION_HOURS: int(24),
    /** Africa's Talking ends a session at 180 s; a screen served after this many seconds warns the caller. */
    USSD_SESSION_WARN_AFTER_SECONDS: int(150),
    /**
     * "Continue where you left off" is offered for a session Africa's Talking reported as dropped, or one
     * silent this long: a session that answered a moment ago is still live (a simulator tab, a load test).
     */
    USSD_RESUME_AFTER_SILENCE_SECONDS: int(5),
    SUPPORT_PHONE: z.string().default('0800 720 000'),
    SUPPORT_SMS_CODE: z.string().default('22384'),
    SUPPORT_ALERT_PHONE: z.string().optional(),
    // Money and notifications
    PAYMENT_PROVIDER: z.enum(['mpesa', 'sandbox']).optional(),
    SANDBOX_SETTLE_MS: int(2000),
    DEPOSIT_TIMEOUT_SECONDS: int(180),
    ESCROW_RELEASE_HOURS: z.coerce.number().positive().default(48),
    // Issue 11: the buyer hears this long before a release window ends, the seller before a deadline refund.
    RELEASE_WARNING_HOURS: z.coerce.number().min(0).default(24),
    /** After the delivery deadline passed with quantity due: this long for the buyer to choose, then the refund. */
    DELIVERY_GRACE_SECONDS: int(7 * 86_400),
    /** The escrow fee: percent of the total (0: off), whole shillings within a minimum and a maximum (0: none). */
    ESCROW_FEE_PERCENT: z.coerce.number().min(0).max(100).default(0),
    ESCROW_FEE_MIN_KES: int(0),
    ESCROW_FEE_MAX_KES: int(0),
    /** Who pays the fee when the contract does not say: BUYER, SELLER or SPLIT (half each). */
    ESCROW_FEE_PAYER: z.enum(['BUYER', 'SELLER', 'SPLIT']).default('BUYER'),
    /** One M-Pesa transaction moves at most this much: larger deposits and payouts move in parts (issue 11). */
    MPESA_MAX_TRANSACTION_KES: z.coerce.number().int().min(1).default(250_000),
    /** A deposit that would take more M-Pesa prompts than this is refused (BAD_USER_INPUT): a bank transfer's size. */
    MPESA_MAX_DEPOSIT_PARTS: z.coerce.number().int().min(1).max(1000).default(20),
    MPESA_BASE_URL: z.url().default('https://sandbox.safaricom.co.ke'),
    MPESA_CONSUMER_KEY: z.string().optional(),
    MPESA_CONSUMER_SECRET: z.string().optional(),
    MPESA_SHORTCODE: z.string().optional(),
    MPESA_PASSKEY: z.string().optional(),
    MPESA_INITIATOR_NAME: z.string().optional(),
    MPESA_SECURITY_CREDENTIAL: z.string().optional(),
    MPESA_CALLBACK_TOKEN: z.string().min(16).optional(),
    MPESA_CALLBACK_ALLOWED_IPS: cidrList(''),
    PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:3000'),
    AT_USERNAME: z.string().optional(),
    AT_API_KEY: z.string().optional(),
    AT_SMS_SENDER_ID: z.string().optional(),
    AT_BASE_URL: z.url().optional(),
    DEMO: bool.default(false),
    // Workers (issue 4)
    /** The USSD code texts tell people to dial. */
    USSD_SERVICE_CODE: z
      .string()
      .regex(/^\*[0-9*]+#$/, 'must look like *384*1234#')
      .default('*384*1234#'),
    JOB_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
    /** First retry delay; each further retry doubles it (10 attempts from 5 s span about 40 minutes). */
    JOB_BACKOFF_MS: int(5000),
    /** BullMQ lock: a job whose worker died is picked up again after about this long. */
    JOB_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
    OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(500),
    /** Per HTTP call to M-Pesa. */
    PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /**
     * A payout sent this long ago with no answer is "in doubt": the provider is asked before anything is
     * sent again. Must be well above PROVIDER_TIMEOUT_MS so an attempt still in flight is never doubled, and long
     * enough for the provider to show a payout it received in its status answers (M-Pesa: minutes at worst).
     */
    PAYOUT_IN_DOUBT_SECONDS: z.coerce.number().positive().default(300),
    /** Support is alerted (once) about a payout still unresolved after this long. */
    PAYOUT_ALERT_AFTER_MINUTES: z.coerce.number().positive().default(60),
    RECONCILE_EVERY_SECONDS: z.coerce.number().positive().default(300),
    SESSION_CLEANUP_EVERY_SECONDS: z.coerce.number().positive().default(60),
    // Partner webhooks and idempotency (issue 13)
    /** Encrypts webhook signing secrets at rest (AES-256-GCM). Generated per run in development; required in production. */
    WEBHOOK_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Per delivery attempt: anything but a 2xx within this long is retried. */
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    /** First retry delay; each further retry doubles it, up to an hour. */
    WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).default(10_000),
    /** An event is retried this long, then given up (and the contract's next event goes out). */
    WEBHOOK_RETRY_HOURS: z.coerce.number().positive().default(24),
    /** An endpoint failing without a success for this long is disabled and support is alerted. */
    WEBHOOK_DISABLE_AFTER_HOURS: z.coerce.number().positive().default(24),
    /** Idempotency keys are remembered at least this long. */
    IDEMPOTENCY_KEY_HOURS: z.coerce.number().min(24).default(24),
    /** Counts every SQL statement sent (db_statements_total at GET /metrics): for `npm run bench`, off in production. */
    SQL_STATEMENT_COUNT: bool.default(false),
  })
  .superRefine((env, ctx) => {
    if (env.PAYOUT_IN_DOUBT_SECONDS * 1000 < 2 * env.PROVIDER_TIMEOUT_MS)
      ctx.addIssue({
        code: 'custom',
        path: ['PAYOUT_IN_DOUBT_SECONDS'],
        message: 'must be at least twice PROVIDER_TIMEOUT_MS, or a payout still in flight could be sent twice',
      });
    if (env.CONTRACT_MIN_AMOUNT > env.CONTRACT_MAX_AMOUNT)
      ctx.addIssue({ code: 'custom', path: ['CONTRACT_MIN_AMOUNT'], message: 'must not be above CONTRACT_MAX_AMOUNT' });
    if (env.EMBEDDED_POSTGRES && env.DATABASE_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['EMBEDDED_POSTGRES'],
        message: 'cannot be combined with DATABASE_URL (which PostgreSQL should be used?)',
      });
    if (env.NODE_ENV !== 'production') return;
    // Production never starts anything of its own: a missing address is a mistake, not a laptop.
    for (const name of ['DATABASE_URL', 'REDIS_URL'] as const)
      if (!env[name])
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: 'is required in production (nothing is started locally there)',
        });
    if (env.EMBEDDED_POSTGRES)
      ctx.addIssue({ code: 'custom', path: ['EMBEDDED_POSTGRES'], message: 'is not allowed in production' });
    if (!env.ADMIN_API_KEY)
      ctx.addIssue({ code: 'custom', path: ['ADMIN_API_KEY'], message: 'is required in production' });
    if (env.PAYMENT_PROVIDER !== 'mpesa')
      ctx.addIssue({
        code: 'custom',
        path: ['PAYMENT_PROVIDER'],
        message: 'must be mpesa in production (sandbox moves no money)',
      });
    // A generated key changes at every restart, and no stored webhook secret could be read again.
    if (!env.WEBHOOK_SECRET_KEY)
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_SECRET_KEY'],
        message: 'is required in production (at least 32 characters)',
      });
    // A generated token changes at every restart, and Safaricom's callbacks for payments in flight would be refused.
    if (!env.MPESA_CALLBACK_TOKEN)
      ctx.addIssue({
        code: 'custom',
        path: ['MPESA_CALLBACK_TOKEN'],
        message: 'is required in production (at least 16 characters)',
      });
  });

type Env = z.infer<typeof schema>;
export type Config = Omit<
  Env,
  'ADMIN_API_KEY' | 'PAYMENT_PROVIDER' | 'REDIS_PREFIX' | 'DATABASE_URL' | 'REDIS_URL' | 'WEBHOOK_SECRET_KEY'
> & {
  /** As set, or the local address (LOCAL_POSTGRES_ADDRESS); start() may replace it with the embedded one. */
  DATABASE_URL: string;
  REDIS_URL: string;
  /** false when DATABASE_URL / REDIS_URL were not set: the local services may be probed or started. */
  databaseUrlSet: boolean;
  redisUrlSet: boolean;
  REDIS_PREFIX: string;
  ADMIN_API_KEY: string;
  WEBHOOK_SECRET_KEY: string;
  /** true when ADMIN_API_KEY was generated for this run (development only). */
  adminKeyGenerated: boolean;
  PAYMENT_PROVIDER: 'mpesa' | 'sandbox';
};

export class ConfigError extends Error {}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<string, string>> = {},
): Config {
  const merged = { ...pickDefined(env), ...pickDefined(overrides) };
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const mpesaReady = Boolean(e.MPESA_CONSUMER_KEY && e.MPESA_CONSUMER_SECRET && e.MPESA_SHORTCODE);
  const databaseUrl = e.DATABASE_URL ?? `postgres://postgres@${e.LOCAL_POSTGRES_ADDRESS}/voicepact`;
  return {
    ...e,
    DATABASE_URL: databaseUrl,
    REDIS_URL: e.REDIS_URL ?? `redis://${e.LOCAL_REDIS_ADDRESS}`,
    databaseUrlSet: e.DATABASE_URL !== undefined,
    redisUrlSet: e.REDIS_URL !== undefined,
    // The embedded PostgreSQL's database is named voicepact too: the prefix start() ends up with is the same.
    REDIS_PREFIX: e.REDIS_PREFIX ?? defaultRedisPrefix(databaseUrl),
    ADMIN_API_KEY: e.ADMIN_API_KEY ?? randomBytes(24).toString('base64url'),
    adminKeyGenerated: !e.ADMIN_API_KEY,
    PAYMENT_PROVIDER: e.PAYMENT_PROVIDER ?? (mpesaReady ? 'mpesa' : 'sandbox'),
    MPESA_CALLBACK_TOKEN: e.MPESA_CALLBACK_TOKEN ?? randomBytes(18).toString('base64url'),
    WEBHOOK_SECRET_KEY: e.WEBHOOK_SECRET_KEY ?? randomBytes(32).toString('base64url'),
  };
}

/** `voicepact:<database name>`: the queues belong to the database whose rows their jobs name. */
function defaultRedisPrefix(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) || 'postgres';
  return `voicepact:${name.replace(/[^\w-]/g, '_').slice(0, 63)}`;
}

/** Empty strings in the environment mean "unset", as in most .env tooling. */
function pickDefined(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')) as Record<
    string,
    string
  >;
}
