import type { Config } from '../../src/config';
import type { UssdGraphQL } from './ussd.graphql';
import type { Texts } from './ussd.texts';

export type Lang = 'EN' | 'SW';

/** A screen's parameters (contract id, code, list offset): plain values, stored in the session. */
export type Params = Record<string, string | number | undefined>;

/**
 * Where an option leads. Plain data, because the options of the screen on the phone are stored with the
 * session and looked up when the next input arrives.
 */
export type Next =
  | { go: string; p?: Params } // open a screen on top of this one
  | { act: string; p?: Params } // run an action, then show what it says
  | { back: 1 }
  | { home: 1 }
  | { again: 1 }; // show the screen on the phone again (a re-asked question, with a flash line saying why)

/** A screen as the phone showed it: enough to show it again (back, invalid input) without loading anything. */
export interface Shown {
  body: string[];
  /** [key, label] in display order. */
  opts: Array<[string, string]>;
  keys: Record<string, Next>;
  /** How many of the first opts are list items: the only options that may be left out to fit a prefix line. */
  items: number;
  /** Where any input that is not an option leads (instead of "Invalid selection"). */
  otherwise?: Next;
  end?: boolean;
  /** What is typed here is a secret (a PIN): it is masked in the stored path and the logs. */
  secret?: boolean;
}

/** One screen on the back stack. */
export interface Frame {
  m: string;
  p?: Params;
  v?: Shown;
}

/** What a menu wants shown; the renderer decides how it fits. */
export interface View {
  /** Title first, then information lines (which the renderer may shorten; option labels it never cuts). */
  body: string[];
  /**
   * A title with names in it (a product, a party) that must stay whole, before `body`: the renderer calls it with
   * the longest name length (clip) that lets the screen fit. For screens of fixed options, not lists.
   */
  titleWith?: (nameMax: number) => string;
  /** A list numbered 1.. on each page; what does not fit goes behind `98. More`. */
  items?: Array<{ label: string; next: Next }>;
  /** More items exist beyond `items` (a later page the menu would load). */
  moreBeyond?: boolean;
  /** Fixed options with their own keys, shown after the list. */
  options?: Array<{ key: string; label: string; next: Next }>;
  /**
   * Where any other input leads; without it, other input is an invalid selection. The input itself reaches
   * an `act` as `p.in` (free text: a phone number, a quantity, a PIN).
   */
  otherwise?: Next;
  end?: boolean;
  /** What is typed here is a secret (a PIN): masked in the stored path and the logs; `otherwise` must be an act. */
  secret?: boolean;
}

/** What one hop knows: who is calling, in which language, and the way into our GraphQL schema. */
export interface Hop {
  phone: string;
  lang: Lang;
  t: Texts;
  config: Config;
  gql: UssdGraphQL;
  /** The back stack of an earlier session this phone may continue (the resume prompt). */
  saved?: Frame[];
  /** A line for the screen when the network is about to end the session ("Reply soon..."). */
  warn?: string;
}

export interface Menu {
  /**
   * The view runs a query. Its screen is then stored with the session (back shows it again, the next input
   * finds the item ids there). A static screen is simply laid out again: storing it would cost more.
   */
  loads?: boolean;
  view(hop: Hop, p: Params): View | Promise<View>;
}

export type ActionResult = { end: string } | { next: Next; flash?: string; lang?: Lang; restore?: Frame[] };

export interface Action {
  /** Changes data through a mutation: run under the session's row lock so it happens once. */
  mutates: boolean;
  run(hop: Hop, p: Params): Promise<ActionResult>;
}
