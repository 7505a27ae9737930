import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';

/**
 * The browser USSD simulator: a feature phone page that calls POST /api/v1/ussd/ the way Africa's Talking does.
 * Who may open it (anyone in development, the admin key in production) is the app wiring's decision.
 */

export interface DemoPhone {
  phoneNumber: string;
  name: string | null;
  role: string;
}

const PAGE = 'simulator.page.html';

/**
 * tsc compiles this file to dist/adapters/simulator/ but does not copy the .html, so when running from dist/
 * read the page from the source tree instead. Under ts-node and jest it sits next to this file.
 */
export function findSimulatorPage(dir: string = __dirname): string {
  const candidates = [path.join(dir, PAGE), path.join(dir, '..', '..', '..', 'adapters', 'simulator', PAGE)];
  const found = candidates.find((file) => existsSync(file));
  if (!found) throw new Error(`USSD simulator page not found; looked for ${candidates.join(' and ')}`);
  return found;
}

// The page is self-contained; the policy makes the browser hold it to that (no outside scripts, styles or calls).
const CSP = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function simulatorRoutes(opts: { demoPhones: () => Promise<DemoPhone[]> }): Router {
  const html = readFileSync(findSimulatorPage(), 'utf8'); // once, at start-up: a missing page fails the boot, not a visit
  const router = new Router();

  router.get('/simulator', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = html;
  });

  router.get('/simulator/demo-phones', async (ctx) => {
    const phones = await opts.demoPhones();
    ctx.set('Cache-Control', 'no-store');
    // Only these three fields reach the page, whatever else the source returns.
    ctx.body = phones.map(({ phoneNumber, name, role }) => ({ phoneNumber, name, role }));
  });

  return router;
}
