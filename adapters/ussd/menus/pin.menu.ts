import { BACK } from '../ussd.engine';
import { alreadyDoneLine } from '../ussd.errors';
import { DOCS, UssdOperationError } from '../ussd.graphql';
import { clip } from '../ussd.renderer';
import { openPin, sealPin } from '../ussd.secret';
import type { Action, ActionResult, Hop, Menu, Params } from '../ussd.types';

/**
 * Money out of escrow with the VoicePact PIN (the buyer's release of a delivery or a lot, the refund of what was
 * not delivered), and changing the PIN.
 * PIN screens are `secret`: what is typed there is masked in the stored path and the logs, reaches an
 * action only as `p.in`, and travels to the next screen only sealed (ussd.secret.ts). The rules (weak
 * PINs, the count of wrong attempts, the lock) are the domain's: the menus only ask and word the answers.
 */

/**
 * What the screens up to the PIN carry: the contract and the question's words (amount `amt`, payee `to`, quantity
 * `n` `u`), a lot's quantity (`q`), and `op: 'refund'` for the refund of what was not delivered.
 */
const KEPT = ['c', 'code', 'amt', 'to', 'n', 'u', 'q', 'op'] as const;
const release = (p: Params): Params => Object.fromEntries(KEPT.filter((k) => p[k] != null).map((k) => [k, p[k]]));

const secretScreen = (title: (hop: Hop) => string, act: string): Menu => ({
  view: (hop, p) => ({ body: [title(hop)], secret: true, otherwise: { act, p: withoutInput(p) } }),
});

const withoutInput = (p: Params): Params => {
  const { in: _in, ...rest } = p;
  return rest;
};

export const pinMenus: Record<string, Menu> = {
  releaseAsk: {
    view: ({ t }, p) => ({
      body: [],
      // A party's name (up to 80 characters) is cut only as far as the question needs.
      // A session stored before the question named the quantity (n, u) names the contract, as it did then.
      titleWith: (n) =>
        t.releaseAsk(
          String(p.amt),
          clip(String(p.to), n),
          p.n == null ? String(p.code) : t.lot(String(p.n), clip(String(p.u), n)),
        ),
      options: [
        { key: '1', label: t.yes, next: { act: 'releaseStart', p: release(p) } },
        { key: '2', label: t.no, next: BACK },
      ],
    }),
  },
  pinCreate: secretScreen(({ t }) => t.pinCreate, 'pinCreated'),
  pinAgain: secretScreen(({ t }) => t.pinAgain, 'pinConfirmed'),
  pinEnter: secretScreen(({ t }) => t.pinEnter, 'pinRelease'),
  // Help -> Change PIN: the current PIN, then the new one twice.
  pinOld: secretScreen(({ t }) => t.pinOld, 'pinOldTyped'),
  pinNew: secretScreen(({ t }) => t.pinNew, 'pinNewTyped'),
  pinNewAgain: secretScreen(({ t }) => t.pinAgain, 'pinChange'),
};

/** A PIN's wrong answers in words; anything else is the one error line. */
function pinTrouble(hop: Hop, err: unknown): ActionResult | null {
  if (!(err instanceof UssdOperationError)) return null;
  const { t, config } = hop;
  switch (err.code) {
    case 'PIN_INVALID':
      return { next: { again: 1 }, flash: t.pinWrong(Number(err.extensions.attemptsLeft ?? 1)) };
    case 'PIN_LOCKED':
      return {
        end: err.message.startsWith('Wrong PIN') ? t.pinLocked(config.PIN_LOCK_MINUTES) : t.pinLockedNow,
      };
    case 'PIN_WEAK':
      return { next: BACK, flash: t.pinWeak };
    default:
      return null;
  }
}

async function confirmRelease(hop: Hop, p: Params, pin: string): Promise<ActionResult> {
  if (p.op === 'refund') {
    const { notices } = await hop.gql.run(DOCS.refund, { id: p.c, pin });
    return { end: notices.length ? hop.t.alreadyRefunded(String(p.code)) : hop.t.refunded(String(p.amt)) };
  }
  const input = p.q
    ? { contractId: p.c, kind: 'PARTIAL', quantity: String(p.q), pin }
    : { contractId: p.c, kind: 'FULL', pin };
  const { notices } = await hop.gql.run(DOCS.confirm, { input });
  if (notices.length) return { end: alreadyDoneLine('deliver', hop.t, String(p.code)) };
  return { end: p.q ? `${hop.t.partialNoted} ${hop.t.partialSms}` : hop.t.fullByBuyer };
}

const typed = (p: Params) => String(p.in ?? '').trim();

export const pinActions: Record<string, Action> = {
  releaseStart: {
    mutates: false,
    async run(hop, p) {
      const { data } = await hop.gql.run<{ viewer: { pinState: string | null } }>(DOCS.pinState);
      if (data.viewer.pinState === 'LOCKED') return { end: hop.t.pinLockedNow };
      return { next: { go: data.viewer.pinState === 'SET' ? 'pinEnter' : 'pinCreate', p: release(p) } };
    },
  },
  pinCreated: {
    mutates: false,
    run: async (hop, p) => ({ next: { go: 'pinAgain', p: { ...release(p), s: sealPin(hop.config, typed(p)) } } }),
  },
  pinConfirmed: {
    mutates: true,
    async run(hop, p) {
      const pin = typed(p);
      if (openPin(hop.config, p.s) !== pin) return { next: BACK, flash: hop.t.pinMismatch };
      try {
        await hop.gql.run(DOCS.setPin, { pin });
        return await confirmRelease(hop, p, pin);
      } catch (err) {
        const trouble = pinTrouble(hop, err);
        if (trouble) return trouble;
        throw err;
      }
    },
  },
  pinRelease: {
    mutates: true,
    async run(hop, p) {
      try {
        return await confirmRelease(hop, p, typed(p));
      } catch (err) {
        const trouble = pinTrouble(hop, err);
        if (trouble) return trouble;
        throw err;
      }
    },
  },
  pinChangeStart: {
    mutates: false,
    async run(hop) {
      const { data } = await hop.gql.run<{ viewer: { pinState: string | null } }>(DOCS.pinState);
      if (data.viewer.pinState === 'NOT_SET') return { end: hop.t.pinNotSet };
      if (data.viewer.pinState === 'LOCKED') return { end: hop.t.pinLockedNow };
      return { next: { go: 'pinOld' } };
    },
  },
  pinOldTyped: {
    mutates: false,
    run: async (hop, p) => ({ next: { go: 'pinNew', p: { o: sealPin(hop.config, typed(p)) } } }),
  },
  pinNewTyped: {
    mutates: false,
    run: async (hop, p) => ({ next: { go: 'pinNewAgain', p: { o: p.o, s: sealPin(hop.config, typed(p)) } } }),
  },
  pinChange: {
    mutates: true,
    async run(hop, p) {
      const pin = typed(p);
      if (openPin(hop.config, p.s) !== pin) return { next: BACK, flash: hop.t.pinMismatch };
      try {
        await hop.gql.run(DOCS.changePin, { old: openPin(hop.config, p.o) ?? '', new: pin });
        return { end: hop.t.pinChanged };
      } catch (err) {
        // A wrong current PIN: END with the tries left (the old PIN is two screens back).
        if (err instanceof UssdOperationError && err.code === 'PIN_INVALID')
          return { end: hop.t.pinWrong(Number(err.extensions.attemptsLeft ?? 1)) };
        const trouble = pinTrouble(hop, err);
        if (trouble) return trouble;
        throw err;
      }
    },
  },
};
