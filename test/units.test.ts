import { loadConfig } from '../src/config';
import { newContractCode, CONTRACT_CODE_PATTERN } from '../src/common/code';
import { formatAmount, parseAmount } from '../src/common/money';
import { maskPhone, normalizePhone } from '../src/common/phone';
import { TRANSITIONS } from '../src/contract/contract.enums';

describe('phone numbers', () => {
  test.each([
    ['0712345678', '+254712345678'],
    ['712345678', '+254712345678'],
    ['254712345678', '+254712345678'],
    ['+254 712 345 678', '+254712345678'],
    ['0110 123456', '+254110123456'],
    ['+256772123456', '+256772123456'],
    ['+255754123456', '+255754123456'],
  ])('%s -> %s', (input, e164) => expect(normalizePhone(input)).toBe(e164));

  test.each(['', '12', '07123', 'not a phone', '+2547123456789999', '0'.repeat(40)])('%j is refused', (input) => {
    expect(() => normalizePhone(input)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });

  test('masked for logs', () => expect(maskPhone('+254712345678')).toBe('+254712***678'));
});

describe('money', () => {
  test('parses to two decimals exactly', () => {
    expect(parseAmount('12000.5')).toBe('12000.50');
    expect(parseAmount('0.1')).toBe('0.10');
    expect(parseAmount('9999999999999.99')).toBe('9999999999999.99');
  });
  test.each(['0', '0.00', '-1', '1e5', '1.234', '10000000000000', 'abc', '', '1,000'])('%j is refused', (v) => {
    expect(() => parseAmount(v)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
  test('formats with thousands separators', () => {
    expect(formatAmount('1234567.5')).toBe('1,234,567.50');
    expect(formatAmount('12000.00', 0)).toBe('12,000');
  });
});

test('contract codes are short, keypad-typeable and free of look-alikes', () => {
  for (let i = 0; i < 500; i++) {
    const code = newContractCode();
    expect(code).toMatch(CONTRACT_CODE_PATTERN);
    expect(code.slice(3)).not.toMatch(/[01OIL5S2Z8B]/);
  }
});

test('terminal states have no way out', () => {
  expect(TRANSITIONS.COMPLETED).toEqual([]);
  expect(TRANSITIONS.CANCELLED).toEqual([]);
  expect(TRANSITIONS.EXPIRED).toEqual([]);
});

describe('configuration', () => {
  test('defaults work on a fresh machine, and a development admin key is generated', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/voicepact');
    expect(c.adminKeyGenerated).toBe(true);
    expect(c.PAYMENT_PROVIDER).toBe('sandbox');
  });
  test('a bad value stops start-up with a message naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'nope' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/ADMIN_API_KEY: is required in production/);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', ADMIN_API_KEY: 'k'.repeat(32), PAYMENT_PROVIDER: 'mpesa' }),
    ).toThrow(/MPESA_CALLBACK_TOKEN: is required/);
  });
});
