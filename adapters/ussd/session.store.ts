import type { EntityManager } from '@mikro-orm/postgresql';
import { runStatement as query, statement } from '../../src/common/sql';
import type { Frame, Lang } from './ussd.types';

/**
 * The `ussd_sessions` table, in plain SQL as named prepared statements (src/common/sql.ts): the only SQL of
 * the adapter. A hop is two
 * statements (open, save) outside a transaction; a hop that changes data takes the row lock instead
 * (lock, ..., save inside one transaction). No entity is hydrated: the menu needs a few columns, not a unit
 * of work.
 */

/** What the session remembers between hops (the jsonb `context` column). */
export interface SessionContext {
  lang?: Lang;
  /** The back stack; the last frame is the screen on the phone, with its options. */
  stack?: Frame[];
  /** The screens of an earlier session this one was offered to continue. */
  saved?: Frame[];
  /** Steps of the path typed on PIN screens: stored masked (last_input), and masked alike before comparing. */
  secret?: number[];
}

export interface SessionRow {
  phone: string;
  context: SessionContext;
  lastInput: string | null;
  lastResponse: string | null;
  /** Hops answered so far (replays not counted). */
  hops: number;
  createdAt: Date;
}

export interface Opened {
  current: SessionRow;
  /** True when this request created the session. */
  fresh: boolean;
  /** For a fresh session: the phone's latest other session, if it is over but not expired (resume offer). */
  previous: SessionRow | null;
}

export interface SessionWrite {
  menu: string;
  context: SessionContext;
  text: string;
  response: string;
  end: boolean;
}

export interface SessionEnd {
  status: string;
  durationMs: number | null;
  hops: number | null;
  input: string | null;
  errorMessage: string | null;
  cost: string | null;
}

const COLUMNS = 'phone_number, context, last_input, last_response, hops, created_at';

// One round trip: create the session if it is new (a concurrent twin waits on the unique index, then finds
// it), read it, and for a new session the phone's latest other one, with whether that one is over (AT
// reported its end, or it has been silent a while). The statement's snapshot cannot see the row it inserts,
// so exactly one of the first two branches returns a row (none if a twin committed in between: open()
// then reads again).
const OPEN = statement(
  'ussd_session_open',
  `
with ins as (
  insert into ussd_sessions (id, session_id, phone_number, current_menu, context, active, hops, created_at, updated_at, expires_at)
  values (gen_random_uuid(), $1, $2, 'new', '{}', true, 0, now(), now(), now() + make_interval(secs => $3::int))
  on conflict (session_id) do nothing
  returning ${COLUMNS}
)
select 'cur' as kind, true as fresh, false as over, ${COLUMNS} from ins
union all
select 'cur', false, false, ${COLUMNS} from ussd_sessions where session_id = $1
union all
(select 'prev', false, end_status is not null or updated_at < now() - make_interval(secs => $4::int), ${COLUMNS}
  from ussd_sessions
  where phone_number = $2 and session_id <> $1 and expires_at > now() and exists (select 1 from ins)
  order by created_at desc limit 1)`,
);

const LOCK = statement('ussd_session_lock', `select ${COLUMNS} from ussd_sessions where session_id = $1 for update`);

// Compare-and-set on last_input: of two identical requests racing outside the lock, one write wins. With a
// hop count ($9), also on the whole row being the one the hop computed from (session.cache.ts).
const SAVE = statement(
  'ussd_session_save',
  `
update ussd_sessions set current_menu = $1, context = $2::jsonb, last_input = $3, last_response = $4, active = $5,
  hops = hops + 1, updated_at = now(), expires_at = now() + make_interval(secs => $6::int)
where session_id = $7 and last_input is not distinct from $8 and ($9::int is null or hops = $9::int)`,
);

const END = statement(
  'ussd_session_end',
  `
update ussd_sessions set active = false, end_status = $1, duration_ms = $2, reported_hops = $3, reported_input = $4,
  error_message = $5, cost = $6, ended_at = coalesce(ended_at, now())
where session_id = $7
returning hops, created_at, current_menu, phone_number`,
);

interface Raw {
  kind?: string;
  fresh?: boolean;
  over?: boolean;
  phone_number: string;
  context: SessionContext | null;
  last_input: string | null;
  last_response: string | null;
  hops: number;
  created_at: Date;
}

const toRow = (r: Raw): SessionRow => ({
  phone: r.phone_number,
  context: r.context ?? {},
  lastInput: r.last_input,
  lastResponse: r.last_response,
  hops: r.hops,
  createdAt: r.created_at,
});

export class SessionStore {
  constructor(
    private readonly ttlSeconds: number,
    /** A session silent this long counts as over even before AT reports its end. */
    private readonly resumeAfterSilenceSeconds: number,
  ) {}

  async open(em: EntityManager, sessionId: string, phone: string): Promise<Opened> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const { rows } = await query<Raw>(em, OPEN, [sessionId, phone, this.ttlSeconds, this.resumeAfterSilenceSeconds]);
      const current = rows.find((r) => r.kind === 'cur');
      if (current) {
        const previous = rows.find((r) => r.kind === 'prev' && r.over);
        return { current: toRow(current), fresh: Boolean(current.fresh), previous: previous ? toRow(previous) : null };
      }
    }
    throw new Error('USSD session could not be opened');
  }

  /** SELECT ... FOR UPDATE inside the caller's transaction: identical requests queue here and act once. */
  async lock(em: EntityManager, sessionId: string): Promise<SessionRow> {
    const { rows } = await query<Raw>(em, LOCK, [sessionId]);
    if (!rows[0]) throw new Error('USSD session vanished under the lock');
    return toRow(rows[0]);
  }

  /**
   * False when another request already moved the session on from `expectedLastInput` (or from
   * `expectedHops`, when given). The one place a hop's path (`text`) and reply are stored.
   */
  async save(
    em: EntityManager,
    sessionId: string,
    w: SessionWrite,
    expectedLastInput: string | null,
    expectedHops: number | null = null,
  ): Promise<boolean> {
    const { rowCount } = await query(em, SAVE, [
      w.menu,
      JSON.stringify(w.context),
      w.text,
      w.response,
      !w.end,
      this.ttlSeconds,
      sessionId,
      expectedLastInput,
      expectedHops,
    ]);
    return rowCount === 1;
  }

  /** AT's end-of-session notification. Null when we never saw the session. */
  async end(em: EntityManager, sessionId: string, e: SessionEnd) {
    const { rows } = await query<{ hops: number; created_at: Date; current_menu: string; phone_number: string }>(
      em,
      END,
      [e.status, e.durationMs, e.hops, e.input, e.errorMessage, e.cost, sessionId],
    );
    const r = rows[0];
    return r ? { hops: r.hops, createdAt: r.created_at, menu: r.current_menu, phone: r.phone_number } : null;
  }
}

/**
 * Housekeeping for the table above (run by the session-cleanup job): expired sessions are closed (EXPIRED), and
 * deleted once closed for the retention period.
 */
export async function cleanupSessions(
  em: EntityManager,
  now: Date,
  retentionHours: number,
): Promise<{ closed: number; deleted: number }> {
  const conn = em.getConnection();
  const closed = await conn.execute(
    `update ussd_sessions set active = false, end_status = coalesce(end_status, 'EXPIRED'), updated_at = ? where active and expires_at < ?`,
    [now, now],
    'run',
  );
  // created_at <= updated_at: the created_at bound changes no answer and lets its index find the rows.
  const before = new Date(now.getTime() - retentionHours * 3600_000);
  const deleted = await conn.execute(
    'delete from ussd_sessions where not active and updated_at < ? and expires_at < ? and created_at < ?',
    [before, now, before],
    'run',
  );
  return { closed: affected(closed), deleted: affected(deleted) };
}

function affected(result: unknown): number {
  const r = result as { affectedRows?: number; rowCount?: number } | number;
  return typeof r === 'number' ? r : (r.affectedRows ?? r.rowCount ?? 0);
}
