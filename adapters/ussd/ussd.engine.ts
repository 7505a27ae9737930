import { errorLine } from './ussd.errors';
import { UssdOperationError } from './ussd.graphql';
import { endScreen, layout, render } from './ussd.renderer';
import { TEXTS } from './ussd.texts';
import type { Action, Frame, Hop, Menu, Next, Shown, View } from './ussd.types';

/**
 * Navigation, and nothing else: inputs move along the back stack following the options of the screen on
 * the phone. `00` goes to the main menu from anywhere; `0` goes back one screen unless the screen gives
 * `0` a meaning of its own (exit on the main menu). What a screen shows and what an action does live in
 * the menus; how it fits on a handset lives in the renderer.
 */

export const HOME: Next = { home: 1 };
export const BACK: Next = { back: 1 };
export const MAIN = 'main';

/** A mutation was reached outside the session lock: the hop starts again under the lock. */
export class NeedsLock extends Error {}

export interface Outcome {
  text: string;
  end: boolean;
  /** The back stack after this hop (empty once the session ended). */
  stack: Frame[];
  /** The screen shown (or the one that ended the session), for logs and metrics. */
  menu: string;
  invalid: boolean;
  /** Which of the inputs (by their index in `inputs`) were typed on a secret screen (a PIN). */
  secret: number[];
}

interface Step {
  stack: Frame[];
  flash?: string;
  end?: string;
}

export class Engine {
  constructor(
    private readonly menus: Record<string, Menu>,
    private readonly actions: Record<string, Action>,
  ) {}

  /** Applies `inputs` in order from `stack` (which starts at `initial` when empty). */
  async apply(
    hop: Hop,
    stack: Frame[],
    inputs: string[],
    locked: boolean,
    initial: Frame[] = [{ m: MAIN }],
  ): Promise<Outcome> {
    let current = await this.shown(hop, stack.length ? stack : initial);
    let flash: string | undefined;
    let invalid = false;
    const secret: number[] = [];
    for (const [index, input] of inputs.entries()) {
      const top = current[current.length - 1];
      const { keys, otherwise } = top.v!;
      if (top.v!.secret) secret.push(index);
      const next =
        input === '00'
          ? HOME
          : Object.hasOwn(keys, input)
            ? keys[input]
            : input === '0'
              ? BACK
              : otherwise && 'act' in otherwise
                ? { act: otherwise.act, p: { ...otherwise.p, in: input } }
                : (otherwise ?? null);
      invalid = !next;
      if (!next) {
        flash = hop.t.invalid;
        continue;
      }
      const step = await this.follow(hop, current, next, locked);
      if (step.end !== undefined)
        return { text: render(endScreen(step.end)), end: true, stack: [], menu: top.m, invalid: false, secret };
      current = step.stack;
      flash = step.flash;
    }
    const top = current[current.length - 1];
    return { text: withWarning(top.v!, flash, hop.warn), end: false, stack: current, menu: top.m, invalid, secret };
  }

  /** The stack as stored: screens of static menus are dropped (laid out again when needed). */
  keep(stack: Frame[]): Frame[] {
    return stack.map((f) => (f.v && !this.menus[f.m]?.loads ? { m: f.m, ...(f.p ? { p: f.p } : {}) } : f));
  }

  private async follow(hop: Hop, stack: Frame[], next: Next, locked: boolean): Promise<Step> {
    try {
      if ('home' in next) return { stack: [await this.open(hop, { m: MAIN })] };
      if ('again' in next) return { stack };
      if ('back' in next)
        return {
          stack: stack.length > 1 ? await this.shown(hop, stack.slice(0, -1)) : [await this.open(hop, { m: MAIN })],
        };
      if ('go' in next) return { stack: [...stack, await this.open(hop, { m: next.go, p: next.p })] };
      return await this.act(hop, stack, next.act, next.p ?? {}, locked);
    } catch (err) {
      if (err instanceof UssdOperationError)
        return { stack, end: errorLine(err.code, hop.t, String(next && 'p' in next ? (next.p?.code ?? '') : '')) };
      throw err;
    }
  }

  private async act(
    hop: Hop,
    stack: Frame[],
    name: string,
    p: Record<string, string | number | undefined>,
    locked: boolean,
  ): Promise<Step> {
    const action = this.actions[name];
    if (!action) return { stack: [await this.open(hop, { m: MAIN })], flash: hop.t.invalid };
    if (action.mutates && !locked) throw new NeedsLock();
    const result = await action.run(hop, p);
    if ('end' in result) return { stack, end: result.end };
    if (result.lang) {
      hop.lang = result.lang;
      hop.t = TEXTS[result.lang];
    }
    if (result.restore?.length) {
      // Continue where the caller left off: the earlier screens as they were, the current one reloaded.
      const restored = result.restore;
      return {
        stack: [
          ...restored.slice(0, -1),
          await this.open(hop, { m: restored[restored.length - 1].m, p: restored[restored.length - 1].p }),
        ],
        flash: result.flash,
      };
    }
    const step = await this.follow(hop, stack, result.next, locked);
    return { ...step, flash: step.flash ?? result.flash };
  }

  /** The stack with its top screen laid out (a static screen is not stored, so it is laid out again). */
  private async shown(hop: Hop, stack: Frame[]): Promise<Frame[]> {
    const top = stack[stack.length - 1];
    return top.v ? stack : [...stack.slice(0, -1), await this.open(hop, top)];
  }

  /** Loads and lays out a screen. `98` opens the same menu further on. */
  private async open(hop: Hop, frame: Frame): Promise<Frame> {
    const menu = this.menus[frame.m] ?? this.menus[MAIN];
    const m = this.menus[frame.m] ? frame.m : MAIN;
    const p = frame.p ?? {};
    const view = withWayOut(await menu.view(hop, p), m, hop);
    const page = (shown: number): Next => ({ go: m, p: { ...p, o: Number(p.o ?? 0) + shown } });
    const v = layout(view, hop.t, page);
    return { m, ...(frame.p ? { p: frame.p } : {}), v: view.secret ? { ...v, secret: true } : v };
  }
}

/** Every screen below the main menu offers `0. Back` and `00. Home` (the engine honours both everywhere). */
function withWayOut(view: View, menu: string, hop: Hop): View {
  if (menu === MAIN || view.end) return view;
  const options = [...(view.options ?? [])];
  if (!options.some((o) => o.key === '0')) options.push({ key: '0', label: hop.t.back, next: BACK });
  if (!options.some((o) => o.key === '00')) options.push({ key: '00', label: hop.t.home, next: HOME });
  return { ...view, options };
}

/** The screen, with the "session ends soon" line above it when that line fits without leaving an option out. */
function withWarning(shown: Shown, flash: string | undefined, warn: string | undefined): string {
  const plain = render(shown, flash);
  if (!warn) return plain;
  const warned = render(shown, flash ? `${flash}\n${warn}` : warn);
  const lines = new Set(warned.slice(4).split('\n'));
  return shown.opts.every(([key, label]) => lines.has(`${key}. ${label}`)) ? warned : plain;
}
