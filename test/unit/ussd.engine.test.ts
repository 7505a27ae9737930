import { Engine, MAIN, NeedsLock } from '../../adapters/ussd/ussd.engine';
import { TEXTS } from '../../adapters/ussd/ussd.texts';
import type { Action, Hop, Menu } from '../../adapters/ussd/ussd.types';

/** The engine over two tiny menus and one action: no database, no GraphQL. */
const menus: Record<string, Menu> = {
  [MAIN]: {
    view: () => ({
      body: ['Main'],
      options: [
        { key: '1', label: 'Help', next: { go: 'help' } },
        { key: '2', label: 'Do it', next: { act: 'doIt' } },
      ],
    }),
  },
  help: { view: () => ({ body: ['Help'], options: [{ key: '0', label: 'Back', next: { back: 1 } }] }) },
};
let ran = 0;
const actions: Record<string, Action> = {
  doIt: {
    mutates: true,
    run: async () => {
      ran++;
      return { end: 'Done.' };
    },
  },
};
const hop = () => ({ phone: '+254700000001', lang: 'EN', t: TEXTS.EN }) as unknown as Hop;
const engine = new Engine(menus, actions);

test('inputs are applied in order from the main menu; 0 goes back', async () => {
  expect((await engine.apply(hop(), [], [], false)).text).toBe('CON Main\n1. Help\n2. Do it');
  const help = await engine.apply(hop(), [], ['1'], false);
  // Issue 9: every screen below the main menu also offers 00. Home.
  expect(help).toMatchObject({ text: 'CON Help\n0. Back\n00. Home', end: false, menu: 'help', invalid: false });
  expect((await engine.apply(hop(), help.stack, ['0'], false)).text).toBe('CON Main\n1. Help\n2. Do it');
});

test('an unknown key is an invalid selection shown above the same screen', async () => {
  const out = await engine.apply(hop(), [], ['7'], false);
  expect(out.invalid).toBe(true);
  expect(out.text).toBe(`CON ${TEXTS.EN.invalid}\nMain\n1. Help\n2. Do it`);
});

test('a mutating action asks for the session lock first, then runs once under it and ends', async () => {
  ran = 0;
  await expect(engine.apply(hop(), [], ['2'], false)).rejects.toBeInstanceOf(NeedsLock);
  expect(ran).toBe(0);
  expect(await engine.apply(hop(), [], ['2'], true)).toMatchObject({ text: 'END Done.', end: true });
  expect(ran).toBe(1);
});
