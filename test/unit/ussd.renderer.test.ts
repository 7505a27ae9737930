import { endScreen, layout, MAX_OPTIONS, MORE_KEY, render, SCREEN_LIMIT } from '../../adapters/ussd/ussd.renderer';
import { LANGS, TEXTS } from '../../adapters/ussd/ussd.texts';
import type { Hop, Lang, Menu, Next, Params, View } from '../../adapters/ussd/ussd.types';
import { deadlineMenus } from '../../adapters/ussd/menus/deadline.menu';
import { newContractMenus } from '../../adapters/ussd/menus/new-contract.menu';
import { pinMenus } from '../../adapters/ussd/menus/pin.menu';
import { isGsm7 } from '../../src/common/gsm7';

const t = TEXTS.EN;
const go = (m: string): Next => ({ go: m });
const nextPage = (shown: number): Next => ({ go: 'list', p: { o: shown } });
const items = (n: number, label = (i: number) => `Item ${i}`) =>
  Array.from({ length: n }, (_, i) => ({ label: label(i + 1), next: go(`item${i + 1}`) }));

test('CON for a menu, END for an end screen, options numbered in order', () => {
  const shown = layout(
    { body: ['Title'], items: items(2), options: [{ key: '0', label: 'Back', next: go('x') }] },
    t,
    nextPage,
  );
  expect(render(shown)).toBe('CON Title\n1. Item 1\n2. Item 2\n0. Back');
  expect(render(endScreen('Done.\nBye'))).toBe('END Done.\nBye');
});

test('at most 8 options: the rest of a list goes behind 98, which leads to the next page', () => {
  const shown = layout({ body: ['List'], items: items(12) }, t, nextPage);
  expect(shown.opts.length).toBeLessThanOrEqual(MAX_OPTIONS);
  expect(shown.opts.at(-1)).toEqual([MORE_KEY, t.more]);
  expect(shown.keys[MORE_KEY]).toEqual({ go: 'list', p: { o: shown.items } });
  expect(shown.keys['1']).toEqual(go('item1'));
});

test('a long screen fits in 160 characters: information lines shrink, option labels stay whole', () => {
  const view: View = {
    body: ['Details', `Product: ${'Maize '.repeat(30)}`, 'Status: Pending'],
    options: [{ key: '3', label: 'Accept Contract', next: go('a') }],
  };
  const text = render(layout(view, t, nextPage));
  expect(text.length - 'CON '.length).toBeLessThanOrEqual(SCREEN_LIMIT);
  expect(text).toContain('3. Accept Contract');
  expect(text).toContain('Status: Pending');
  expect(text).toMatch(/Product: Maize.*\.\./);
});

test('a long list shows fewer items per page rather than cutting a label', () => {
  const long = items(8, (i) => `Contract KX${i} ${'x'.repeat(20)}`);
  const shown = layout({ body: ['Your Contracts'], items: long }, t, nextPage);
  const text = render(shown);
  expect(text.length - 4).toBeLessThanOrEqual(SCREEN_LIMIT);
  expect(shown.items).toBeLessThan(8);
  for (let i = 1; i <= shown.items; i++) expect(text).toContain(long[i - 1].label);
});

test('a flash line goes above the screen within the same limit; text becomes plain GSM-7', () => {
  const shown = layout({ body: ['Menü “Ω” 😀'], items: items(1) }, t, nextPage);
  const text = render(shown, t.invalid);
  expect(text.startsWith(`CON ${t.invalid}\n`)).toBe(true);
  expect(text).not.toMatch(/[“”😀]/u);
  expect(text.length - 4).toBeLessThanOrEqual(SCREEN_LIMIT);
});

describe('the questions with names in them keep whole within 160 characters, in both languages (issue 11)', () => {
  const longest = {
    money: 'KES 9,999,999,999,999.99',
    name: 'Otieno Odhiambo wa Nyanza Mkubwa Sana Kabisa na Familia Yake Yote ya Kisumu Town',
    qty: '999999999999.999',
    unit: 'crates-of-twenty-kg!',
  };
  /** A fake hop whose API answers with `data` (the menus only read it). */
  const hopFor = (lang: Lang, data: unknown) =>
    ({
      phone: '+254700000001',
      lang,
      t: TEXTS[lang],
      gql: { run: async () => ({ data, notices: [] }) },
    }) as unknown as Hop;
  const screenOf = async (menu: Menu, hop: Hop, p: Params) => {
    const view = await menu.view(hop, p);
    const nav = [
      { key: '0', label: hop.t.back, next: go('back') },
      { key: '00', label: hop.t.home, next: go('home') },
    ];
    return render(layout({ ...view, options: [...(view.options ?? []), ...nav] }, hop.t, nextPage)).slice(4);
  };
  const fits = (screen: string, ...kept: string[]) => {
    expect(isGsm7(screen)).toBe(true);
    expect(screen.length).toBeLessThanOrEqual(SCREEN_LIMIT);
    for (const k of kept) expect(screen).toContain(k);
  };

  test.each(LANGS)('%s: release, refund, extend, and the New Contract summary with its fee', async (lang) => {
    const t = TEXTS[lang];
    const release = await screenOf(pinMenus.releaseAsk, hopFor(lang, {}), {
      c: 'id',
      code: 'VP-7K3Q9D',
      amt: longest.money,
      to: longest.name,
      n: longest.qty,
      u: longest.unit,
    });
    fits(release, longest.money, longest.qty, 'Otieno', `?\n1. ${t.yes}`, `00. ${t.home}`);
    // A session stored before the question named the lot (no n, u) still reads whole: it names the contract.
    const stored = await screenOf(pinMenus.releaseAsk, hopFor(lang, {}), {
      c: 'id',
      code: 'VP-7K3Q9D',
      amt: 'KES 1,200',
      to: 'Otieno',
    });
    expect(stored.split('\n')[0]).toBe(t.releaseAsk('KES 1,200', 'Otieno', 'VP-7K3Q9D'));
    expect(stored).not.toContain('undefined');
    const deadline = {
      contract: {
        id: 'id',
        code: 'VP-7K3Q9D',
        unit: 'u'.repeat(20),
        currency: 'KES',
        deliveryOverdue: true,
        extendedDeadline: '2026-12-08T11:05:00.000Z',
        quantityDue: longest.qty,
        escrow: { available: '9999999999999.99' },
      },
    };
    const refund = await screenOf(deadlineMenus.refundAsk, hopFor(lang, deadline), { c: 'id', code: 'VP-7K3Q9D' });
    fits(refund, longest.money, longest.qty, `?\n1. ${t.yes}`);
    const extend = await screenOf(deadlineMenus.extendAsk, hopFor(lang, deadline), { c: 'id', code: 'VP-7K3Q9D' });
    fits(extend, 'VP-7K3Q9D', '8 ', ', 14:05?');
    const summary = await screenOf(
      newContractMenus.newSummary,
      hopFor(lang, { feeQuote: { feeAmount: '25000.00', feePayer: 'SPLIT' } }),
      {
        r: 'S',
        ph: '+254712345678',
        pr: 'Yellow Beans Grade A Kitale Co',
        q: '999999.999',
        u: 'sacks of fifty kilograms each',
        amt: '250000',
        dl: '2026-12-08T11:05:00.000Z',
      },
    );
    fits(summary, '999999.999', 'KES 250,000', 'KES 25,000', `8 ${t.months[11]}\n1. ${t.confirmChoice}`);
  });
});
