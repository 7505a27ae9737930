import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Drives the USSD simulator page (GET /simulator) in headless Chromium, the way a person would: by clicking
 * its keys. Uses Debian's chromium package, not a browser downloaded by Playwright (the machines have no
 * internet for that).
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Headless, no sandbox (CI runs as root), and nothing that would try to reach the internet.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Simulator {
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

const KEY_IDS: Record<string, string> = { '*': 'key-star', '#': 'key-hash' };

/** Opens the simulator and waits until its demo-party list has loaded (or failed to). */
export async function openSimulator(baseUrl: string): Promise<Simulator> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(new URL('/simulator', baseUrl).href);
    await page.locator('[data-testid="demo-party"]:not([data-state="loading"])').waitFor();
    return { browser, page, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** Dials the service code shown on the page as `phone` and waits for the first screen. */
export async function dial(page: Page, phone: string): Promise<string> {
  await page.getByTestId('phone-number').fill(phone);
  await page.getByTestId('dial').click();
  return settled(page);
}

/** Types `digits` on the keypad (0-9, *, #), presses send, and waits for the answer. */
export async function press(page: Page, digits: string): Promise<string> {
  for (const ch of digits) {
    const id = KEY_IDS[ch] ?? (/^[0-9]$/.test(ch) ? `key-${ch}` : null);
    if (!id) throw new Error(`The keypad has no key for ${JSON.stringify(ch)}`);
    await page.getByTestId(id).click();
  }
  await page.getByTestId('send').click();
  return settled(page);
}

const LETTERS: Record<string, string> = {
  '2': 'abc',
  '3': 'def',
  '4': 'ghi',
  '5': 'jkl',
  '6': 'mno',
  '7': 'pqrs',
  '8': 'tuv',
  '9': 'wxyz',
  '0': ' ',
};

/**
 * Types `word` as on a feature phone: # switches the keypad to letters, each letter is its key pressed once
 * per step (7777 is s), then send. Two letters in a row on the same key would need the phone's pause
 * between them: refused, so no test waits on a clock.
 */
export async function pressLetters(page: Page, word: string): Promise<string> {
  await page.getByTestId('key-hash').click();
  let previous = '';
  for (const ch of word.toLowerCase()) {
    const key = Object.keys(LETTERS).find((k) => LETTERS[k].includes(ch));
    if (!key) throw new Error(`No key types ${JSON.stringify(ch)}`);
    if (key === previous) throw new Error(`"${word}" has two letters in a row on key ${key}`);
    for (let i = 0; i <= LETTERS[key].indexOf(ch); i++) await page.getByTestId(`key-${key}`).click();
    previous = key;
  }
  await page.getByTestId('send').click();
  return settled(page);
}

/** The text on the phone's screen (the CON/END text without its prefix, or the error shown). */
export async function screenText(page: Page): Promise<string> {
  return (await page.getByTestId('screen').textContent()) ?? '';
}

/** One of idle | sending | con | end | error. */
export async function sessionState(page: Page): Promise<string> {
  return (await page.getByTestId('session-status').getAttribute('data-state')) ?? '';
}

// A click sets the state to "sending" before it returns, so waiting for any other state waits for the answer.
async function settled(page: Page): Promise<string> {
  await page.locator('[data-testid="session-status"]:not([data-state="sending"])').waitFor({ timeout: 15_000 });
  return screenText(page);
}
