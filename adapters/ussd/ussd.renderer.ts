import { toGsm7 } from '../../src/common/gsm7';
import type { Texts } from './ussd.texts';
import type { Next, Shown, View } from './ussd.types';

/**
 * The one place that turns screens into what Africa's Talking sends to the handset: `CON `/`END `, at most
 * 160 characters after the prefix (the product's documentation; some telcos cut at 182), plain GSM-7, at
 * most 8 options, lists paged behind `98. More`. Option labels are never cut: information lines are
 * shortened first, and a list shows fewer items per page instead.
 */
export const SCREEN_LIMIT = 160;
export const MAX_OPTIONS = 8;
export const MORE_KEY = '98';
export const HOME_KEY = '00';
/** A shortened line keeps at least this much, or it goes. */
const MIN_KEPT = 10;

const optionLine = ([key, label]: [string, string]) => `${key}. ${label}`;

/** A name cut to `max` characters the way information lines are cut. */
export function clip(name: string, max: number): string {
  return name.length <= max ? name : `${name.slice(0, max - 2).trimEnd()}..`;
}

/** Longest and shortest a name in a title is offered (View.titleWith). */
const NAME_MAX = 80;
const NAME_MIN = 8;

/**
 * A title with names in it (a question the renderer never cuts), written with the names as long as the screen
 * allows: the first length from NAME_MAX down whose screen fits, or the shortest.
 */
function titleFor(view: View, rest: string[]): string[] {
  if (!view.titleWith) return rest;
  const opts = (view.options ?? []).map((o) => optionLine([o.key, toGsm7(o.label)]));
  for (let n = NAME_MAX; n > NAME_MIN; n--) {
    const title = toGsm7(view.titleWith(n));
    if ([title, ...rest, ...opts].join('\n').length <= SCREEN_LIMIT) return [title, ...rest];
  }
  return [toGsm7(view.titleWith(NAME_MIN)), ...rest];
}

/**
 * Shortens information lines (longest first, never the title, never an option) until the screen fits;
 * drops the title only as the last resort, and only to make room for a prefix line. Null when even that
 * is not enough.
 */
function fitBody(prefix: string[], body: string[], opts: string[]): string[] | null {
  const size = (b: string[]) => [...prefix, ...b, ...opts].join('\n').length;
  const kept = [...body];
  let over = size(kept) - SCREEN_LIMIT;
  while (over > 0 && kept.length > 1) {
    let longest = 1;
    for (let i = 2; i < kept.length; i++) if (kept[i].length > kept[longest].length) longest = i;
    const room = kept[longest].length - over - 2;
    if (room >= MIN_KEPT) kept[longest] = `${kept[longest].slice(0, room).trimEnd()}..`;
    else kept.splice(longest, 1);
    over = size(kept) - SCREEN_LIMIT;
  }
  if (over > 0 && kept.length === 1 && prefix.length) {
    kept.pop();
    over = size(kept) - SCREEN_LIMIT;
  }
  return over <= 0 ? kept : null;
}

/**
 * Lays a menu's view out as one screen. `page(n)` says where `98` leads when n list items were shown.
 * `flash` is a line shown above the screen (a confirmation) within the same 160 characters.
 */
export function layout(view: View, t: Texts, page: (shown: number) => Next, flash?: string): Shown {
  const prefix = flash ? [toGsm7(flash)] : [];
  const body = titleFor(view, view.body.map(toGsm7));
  const fixed = (view.options ?? []).map((o) => ({ ...o, label: toGsm7(o.label) }));
  const items = (view.items ?? []).map((i) => ({ ...i, label: toGsm7(i.label) }));
  let chosen: { n: number; more: boolean; body: string[] } | null = null;
  // `00. Home` is the way out every screen has (issue 9), not one of the screen's 8 choices.
  const counted = fixed.filter((o) => o.key !== HOME_KEY).length;
  for (let n = Math.min(items.length, MAX_OPTIONS - counted); n >= Math.min(1, items.length) && !chosen; n--) {
    const more = n < items.length || Boolean(view.moreBeyond);
    if (n + counted + (more ? 1 : 0) > MAX_OPTIONS) continue;
    const opts = optionsOf(items.slice(0, n), more, fixed, t);
    const fitted = fitBody(prefix, body, opts.map(optionLine));
    if (fitted) chosen = { n, more, body: fitted };
  }
  // Unreachable with our texts (the screen walk test proves every screen fits); compose() still guards the limit.
  chosen ??= { n: Math.min(1, items.length), more: items.length > 1, body: [] };

  const keys: Record<string, Next> = {};
  items.slice(0, chosen.n).forEach((item, i) => (keys[String(i + 1)] = item.next));
  if (chosen.more) keys[MORE_KEY] = page(chosen.n);
  for (const o of fixed) keys[o.key] = o.next;
  return {
    body: chosen.body,
    opts: optionsOf(items.slice(0, chosen.n), chosen.more, fixed, t),
    keys,
    items: chosen.n,
    ...(view.otherwise ? { otherwise: view.otherwise } : {}),
    end: view.end,
  };
}

function optionsOf(
  items: Array<{ label: string }>,
  more: boolean,
  fixed: Array<{ key: string; label: string }>,
  t: Texts,
) {
  const opts: Array<[string, string]> = items.map((item, i) => [String(i + 1), item.label]);
  if (more) opts.push([MORE_KEY, t.more]);
  for (const o of fixed) opts.push([o.key, o.label]);
  return opts;
}

/**
 * The text for the handset: a stored screen, with an optional line above it ("Invalid selection...").
 * To make room, information lines shrink first; then the last list items are left out (their keys still work).
 */
export function render(shown: Shown, flash?: string): string {
  const prefix = flash ? [toGsm7(flash)] : [];
  let opts = shown.opts;
  let items = shown.items;
  for (;;) {
    const body = fitBody(prefix, shown.body, opts.map(optionLine));
    if (body || items === 0) return compose([...prefix, ...(body ?? shown.body), ...opts.map(optionLine)], shown.end);
    opts = [...opts.slice(0, items - 1), ...opts.slice(items)];
    items--;
  }
}

/** An END screen from a (possibly multi-line) message. */
export function endScreen(message: string): Shown {
  return { body: message.split('\n').map(toGsm7), opts: [], keys: {}, items: 0, end: true };
}

function compose(lines: string[], end?: boolean): string {
  const text = lines.join('\n');
  // Last guard: a screen over the limit would be cut by the network anyway; better we cut it predictably.
  return `${end ? 'END' : 'CON'} ${text.length > SCREEN_LIMIT ? text.slice(0, SCREEN_LIMIT) : text}`;
}
