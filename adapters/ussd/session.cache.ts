import type { SessionRow, SessionWrite } from './session.store';

/**
 * The sessions this process answered last, so that the next hop of the same session need not read its row
 * again: it computes from the remembered row and saves with a compare-and-set on that row's hop count and
 * last input (session.store.ts), one statement for the bookkeeping instead of two. The table stays the
 * truth shared by every instance: when another instance (or AT's end notice, or cleanup) moved the row on,
 * the save matches nothing, the entry is dropped and the hop runs again from the table. Replays and hops that
 * change data always read the table (the stored reply, the row lock).
 *
 * Bounded (oldest first out) and expiring with the session's TTL. Rows are built from the SessionWrite that
 * was stored, so they hold exactly what the table holds.
 */
export class SessionCache {
  private readonly rows = new Map<string, { row: SessionRow; until: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly capacity = 20_000,
  ) {}

  get(sessionId: string): SessionRow | undefined {
    const hit = this.rows.get(sessionId);
    if (!hit) return undefined;
    if (hit.until > Date.now()) return hit.row;
    this.rows.delete(sessionId);
    return undefined;
  }

  /** After `w` was stored over `before`: the row as the table now holds it. A session that ended is forgotten. */
  remember(sessionId: string, before: SessionRow, w: SessionWrite): void {
    this.rows.delete(sessionId); // re-inserted last: the Map's order is the eviction order
    if (w.end) return;
    const row: SessionRow = {
      phone: before.phone,
      context: w.context,
      lastInput: w.text,
      lastResponse: w.response,
      hops: before.hops + 1,
      createdAt: before.createdAt,
    };
    this.rows.set(sessionId, { row, until: Date.now() + this.ttlSeconds * 1000 });
    if (this.rows.size > this.capacity) this.rows.delete(this.rows.keys().next().value!);
  }

  forget(sessionId: string): void {
    this.rows.delete(sessionId);
  }

  get size(): number {
    return this.rows.size;
  }
}
