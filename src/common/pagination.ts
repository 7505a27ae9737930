import { badInput } from './errors';

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 20;

export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  endCursor: string | null;
  /** Counted only when called (a GraphQL selection without totalCount costs no count query); once at most. */
  totalCount: () => Promise<number>;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** Keyset pagination over (createdAt desc, id desc): stable while rows are added. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export function pageSize(first?: number | null): number {
  if (first == null) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 0) throw badInput('first must be a whole number of 0 or more');
  // Refused rather than capped (as GitHub's API does): a client asking for 500 must learn it gets at most 100.
  if (first > MAX_PAGE) throw badInput(`first must be at most ${MAX_PAGE}`, { field: 'first', max: MAX_PAGE });
  return first;
}

export function encodeCursor(row: Cursor): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

export function decodeCursor(after?: string | null): Cursor | null {
  if (!after) return null;
  const [iso, id] = Buffer.from(after, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/i.test(id))
    throw badInput('after is not a cursor from this API');
  return { createdAt, id };
}

/** The where-clause that continues after a cursor in (createdAt desc, id desc) order. */
export function afterCursor(cursor: Cursor | null): Record<string, unknown> {
  if (!cursor) return {};
  return {
    $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }],
  };
}

/** `rows` is the page plus one row (there is a next page when it came back); `count` counts every match. */
export function toPage<T extends Cursor>(rows: T[], size: number, count: () => Promise<number>): Page<T> {
  const nodes = rows.slice(0, size);
  const last = nodes[nodes.length - 1];
  let counted: Promise<number> | undefined;
  return {
    nodes,
    hasNextPage: rows.length > size,
    endCursor: last ? encodeCursor(last) : null,
    totalCount: () => (counted ??= count()),
  };
}
