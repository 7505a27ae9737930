import type { EntityManager } from '@mikro-orm/postgresql';
import { phoneActor } from '../../src/auth/actor';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/common/logger';
import { withTimeout } from '../../src/common/timeout';
import type { Orm } from '../../src/common/orm';
import type { DomainDeps } from '../../src/domain';
import { MAIN, NeedsLock, type Engine } from './ussd.engine';
import { DOCS, UssdGraphQL, type UssdOperations } from './ussd.graphql';
import { render, endScreen } from './ussd.renderer';
import { maskPath } from './ussd.secret';
import { TEXTS } from './ussd.texts';
import type { Frame, Hop, Lang } from './ussd.types';
import type { SessionCache } from './session.cache';
import type { SessionRow, SessionStore, SessionWrite } from './session.store';

/**
 * One request from Africa's Talking, from the stored session to the stored reply.
 *
 * Most hops show a screen: open the session (one statement), maybe one GraphQL query, save it (one
 * statement, compare-and-set on the last input). A hop that reaches a mutation starts again inside a
 * transaction holding the session's row lock, runs the mutation on that same transaction and saves the
 * reply with it: two identical requests queue on the lock, the second finds the first's reply and returns
 * it, and the effect happens once. The session table, not process memory, is what all instances share.
 */

export interface HopRequest {
  sessionId: string;
  phone: string;
  text: string;
}

export type HopOutcome = 'con' | 'end' | 'invalid' | 'replay' | 'timeout' | 'error';

export interface HopAnswer {
  text: string;
  outcome: HopOutcome;
  menu: string;
  /** The request's path with secret inputs (PINs) masked: what logs may show. */
  path?: string;
  /** Set when this answer ended the session. */
  session?: { durationMs: number; hops: number };
}

/** A sessionId that belongs to another phone number: a bad request, not a hop. */
export class SessionOwnerError extends Error {}
class DeadlinePassed extends Error {}

/** Inputs replayed in one hop at most: a long odd `text` is an invalid selection, not minutes of work. */
const MAX_INPUTS = 24;
/** Screens not worth returning to: the resume offer shows nothing new there. */
const NOT_RESUMABLE = new Set([MAIN, 'resume', 'partialDone']);

interface Control {
  timedOut: boolean;
  lang?: Lang;
}

export interface HopDeps {
  config: Config;
  logger: Logger;
  orm: Orm;
  /** The adapter's GraphQL documents, prepared once. */
  operations: UssdOperations;
  domainDeps: DomainDeps;
  store: SessionStore;
  engine: Engine;
  /** Rows this process stored last: a hop that follows one needs one session statement, not two. */
  cache?: SessionCache;
}

export class HopRunner {
  constructor(private readonly d: HopDeps) {}

  /** Never throws (but SessionOwnerError): a fault or the deadline is an END screen, never a 5xx. */
  async answer(req: HopRequest, log: Logger): Promise<HopAnswer> {
    const ctl: Control = { timedOut: false };
    const work = this.run(req, ctl);
    try {
      const result = await withTimeout(work, this.d.config.USSD_DEADLINE_MS, () => {
        ctl.timedOut = true; // the hop sees it at its next step and rolls back
        return 'timeout' as const;
      });
      if (result !== 'timeout') return result;
      work.catch((err) => err instanceof DeadlinePassed || log.warn({ err }, 'USSD hop failed after its deadline'));
      log.warn({ deadlineMs: this.d.config.USSD_DEADLINE_MS }, 'USSD hop passed its deadline');
      return this.unavailable(ctl, 'timeout');
    } catch (err) {
      if (err instanceof SessionOwnerError) throw err;
      log.error({ err }, 'USSD hop failed');
      return this.unavailable(ctl, 'error');
    }
  }

  private unavailable(ctl: Control, outcome: HopOutcome): HopAnswer {
    return { text: render(endScreen(TEXTS[ctl.lang ?? 'EN'].unavailable)), outcome, menu: 'unavailable' };
  }

  private async run(req: HopRequest, ctl: Control): Promise<HopAnswer> {
    try {
      return (await this.remembered(req, ctl)) ?? (await this.unlocked(req, ctl));
    } catch (err) {
      if (err instanceof NeedsLock) {
        this.d.cache?.forget(req.sessionId);
        return this.locked(req, ctl);
      }
      throw err;
    }
  }

  /**
   * The next hop of a session this process answered last: computed from the remembered row, stored only if
   * the table still holds that row (one statement). Undefined when there is nothing remembered, for a replay
   * (its reply is read from the table) or when the table moved on: then the hop runs from the table.
   */
  private async remembered(req: HopRequest, ctl: Control): Promise<HopAnswer | undefined> {
    const row = this.d.cache?.get(req.sessionId);
    if (!row || row.phone !== req.phone || row.lastInput === req.text) return undefined;
    ctl.lang = row.context.lang;
    const result = await this.compute(this.fork(), row, req, row.context.saved, false, ctl);
    if (ctl.timedOut) return result.answer;
    if (await this.d.store.save(this.d.orm.em, req.sessionId, result.write, row.lastInput, row.hops)) {
      this.d.cache!.remember(req.sessionId, row, result.write);
      return result.answer;
    }
    this.d.cache!.forget(req.sessionId);
    return undefined;
  }

  private async unlocked(req: HopRequest, ctl: Control): Promise<HopAnswer> {
    const { current, fresh, previous } = await this.d.store.open(this.d.orm.em, req.sessionId, req.phone);
    if (current.phone !== req.phone) throw new SessionOwnerError('sessionId belongs to another phoneNumber');
    ctl.lang = current.context.lang;
    if (current.lastInput === masked(req.text, current) && current.lastResponse) return replayOf(current);
    const saved = fresh && req.text === '' ? resumable(previous) : current.context.saved;
    const result = await this.compute(this.fork(), current, req, saved, false, ctl);
    // Past the deadline the caller was told "unavailable": do not store a reply they never saw.
    if (ctl.timedOut) return result.answer;
    if (await this.d.store.save(this.d.orm.em, req.sessionId, result.write, current.lastInput))
      this.d.cache?.remember(req.sessionId, current, result.write);
    return result.answer;
  }

  private async locked(req: HopRequest, ctl: Control): Promise<HopAnswer> {
    let stored: { row: SessionRow; write: SessionWrite } | undefined;
    const answer = await this.d.orm.em.fork().transactional(async (em) => {
      const row = await this.d.store.lock(em, req.sessionId);
      if (row.lastInput === masked(req.text, row) && row.lastResponse) return replayOf(row);
      const result = await this.compute(() => em, row, req, row.context.saved, true, ctl);
      if (ctl.timedOut) throw new DeadlinePassed(); // rolls the mutation back with the session
      if (await this.d.store.save(em, req.sessionId, result.write, row.lastInput))
        stored = { row, write: result.write };
      if (ctl.timedOut) throw new DeadlinePassed();
      return result.answer;
    });
    // Committed: what the table now holds.
    if (stored) this.d.cache?.remember(req.sessionId, stored.row, stored.write);
    return answer;
  }

  /**
   * The hop's unit of work, forked when an operation first needs it: a static screen forks nothing. The
   * session statements outside a transaction need no fork (the ORM's pool, through the root EntityManager).
   */
  private fork(): () => EntityManager {
    let em: EntityManager | undefined;
    return () => (em ??= this.d.orm.em.fork());
  }

  private async compute(
    em: () => EntityManager,
    row: SessionRow,
    req: HopRequest,
    saved: Frame[] | undefined,
    locked: boolean,
    ctl: Control,
  ) {
    const gql = new UssdGraphQL(this.d.operations, phoneActor(req.phone, 'ussd'), em, this.d.domainDeps);
    // The language is asked once per session (viewer), then travels in the session's context.
    const lang = row.context.lang ?? (await gql.run<{ viewer: { language: Lang } }>(DOCS.viewer)).data.viewer.language;
    ctl.lang = lang;
    const hop: Hop = { phone: req.phone, lang, t: TEXTS[lang], config: this.d.config, gql, saved };
    // Near the network's end of the session (AT: 180 s), the screen says so when it fits.
    if (Date.now() - new Date(row.createdAt).getTime() >= this.d.config.USSD_SESSION_WARN_AFTER_SECONDS * 1000)
      hop.warn = hop.t.sessionEnding;
    const { stack, inputs, base } = plan(row, req.text);
    const initial: Frame[] = [{ m: saved?.length ? 'resume' : MAIN }];
    // A path with an empty step ("**", a leading "*") or too many steps is one invalid selection where the caller is.
    const odd = inputs.length > MAX_INPUTS || inputs.includes('');
    const out = await this.d.engine.apply(hop, stack, odd ? [''] : inputs, locked, initial);
    ctl.lang = hop.lang;
    // Inputs typed on a PIN screen, by their step in the path: stored and logged masked, never in the clear.
    const secret = [...(base ? (row.context.secret ?? []) : []), ...(odd ? [] : out.secret.map((i) => base + i))];
    const path = maskPath(req.text, secret);
    const answer: HopAnswer = {
      text: out.text,
      outcome: out.end ? 'end' : out.invalid ? 'invalid' : 'con',
      menu: out.menu,
      path,
      ...(out.end
        ? { session: { durationMs: Date.now() - new Date(row.createdAt).getTime(), hops: row.hops + 1 } }
        : {}),
    };
    const context = {
      lang: hop.lang,
      stack: this.d.engine.keep(out.stack),
      ...(saved?.length ? { saved: this.d.engine.keep(saved) } : {}),
      ...(secret.length ? { secret } : {}),
    };
    return { answer, write: { menu: out.menu, context, text: path, response: out.text, end: out.end } };
  }
}

function replayOf(row: SessionRow): HopAnswer {
  return {
    text: row.lastResponse!,
    outcome: 'replay',
    menu: row.context.stack?.at(-1)?.m ?? 'end',
    path: row.lastInput ?? '',
  };
}

/** The request's path as the session stores it: the steps typed on PIN screens masked. */
const masked = (text: string, row: SessionRow) => maskPath(text, row.context.secret ?? []);

/**
 * The inputs this request adds to where the session is. AT sends the whole path (`1*2*3`), so normally
 * the new part follows the stored one; anything else (a shortcut dial, a stale resend) is replayed from
 * the first screen.
 */
function plan(row: SessionRow, text: string): { stack: Frame[]; inputs: string[]; base: number } {
  const stack = row.context.stack ?? [];
  const last = row.lastInput;
  if (stack.length && last !== null) {
    if (last === '' && text !== '') return { stack, inputs: text.split('*'), base: 0 };
    // The stored path has its PIN steps masked: compare the new path masked the same way, step by step.
    const known = last.split('*').length;
    if (last !== '' && masked(text, row).startsWith(`${last}*`))
      return { stack, inputs: text.split('*').slice(known), base: known };
  }
  return { stack: [], inputs: text === '' ? [] : text.split('*'), base: 0 };
}

/** The phone's previous session, if it stopped without an END somewhere past the main menu. */
function resumable(previous: SessionRow | null): Frame[] | undefined {
  const stack = previous?.context.stack;
  if (!previous?.lastResponse?.startsWith('CON ') || !stack?.length) return undefined;
  return NOT_RESUMABLE.has(stack[stack.length - 1].m) ? undefined : stack;
}
