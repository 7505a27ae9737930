import { endScreen, layout, MAX_OPTIONS, MORE_KEY, render, SCREEN_LIMIT } from '../../adapters/ussd/ussd.renderer';
import { TEXTS } from '../../adapters/ussd/ussd.texts';
import type { Next, View } from '../../adapters/ussd/ussd.types';

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
