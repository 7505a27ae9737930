import { gsm7Length, isGsm7, toGsm7, truncateGsm7 } from '../../src/common/gsm7';

test('look-alikes and accents become plain GSM-7; what has no equivalent is "?"; newlines are spaces', () => {
  expect(toGsm7('“Quote” – {x}')).toMatch(/^"Quote" - \(x\)$/);
  expect(toGsm7('á ê')).toBe('a e');
  expect(isGsm7(toGsm7('Ωmega 😀 漢字'))).toBe(true);
  expect(toGsm7('😀')).toBe('?');
  expect(toGsm7('a\nb\rc')).toBe('a b c');
  expect(isGsm7('Hello @ £5')).toBe(true);
});

test('extended characters count two septets; truncation ends with a dot and never exceeds the budget', () => {
  expect(gsm7Length('abc')).toBe(3);
  expect(gsm7Length('[]')).toBe(4);
  expect(truncateGsm7('short', 10)).toBe('short');
  const cut = truncateGsm7('a'.repeat(200), 160);
  expect(gsm7Length(cut)).toBeLessThanOrEqual(160);
  expect(cut.endsWith('.')).toBe(true);
  expect(gsm7Length(truncateGsm7('[[[[[[[[[[', 9))).toBeLessThanOrEqual(9);
});
