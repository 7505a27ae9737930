import { isGsm7 } from '../src/common/gsm7';
import { phoneActor, type Actor } from '../src/auth/actor';
import { DeliveryKind } from '../src/delivery/delivery.entity';
import { DisputeOutcome, DisputeReason } from '../src/dispute/dispute.entity';
import { createDomain } from '../src/domain';
import { startTestApp, type TestApp } from './support/app';
import { ensurePin, passDeadline } from './support/drive';
import { loginAs } from './support/fixtures';
import { activeContract, confirmedContract, newPhone, pendingContract, setLanguageVia } from './support/ussd-fixtures';
import { postEvent, ussd, type Answer } from './support/ussd-tester';

/**
 * Walks every screen reachable from the main menu, in English and in Kiswahili, over a phone whose
 * contracts and payments are in every state (and long enough to page), and holds each screen to the
 * rules: 160 characters, plain GSM-7, at most 8 options, no dead end, every option leads somewhere,
 * `0` and `00` work, other input is an invalid selection.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('ussd_walk', {
    USSD_RATE_LIMIT_PER_MINUTE: '0',
    SUPPORT_PHONE: '+254 20 765 4321 ext 1234',
    // A fee, so that its lines are walked too (a maximum: the largest amount's fee fits the column).
    ESCROW_FEE_PERCENT: '1',
    ESCROW_FEE_MAX_KES: '5000',
  });
});
afterAll(() => app.close());

const LANG = {
  EN: {
    main: 'CON Welcome to VoicePact\n',
    invalid: 'CON Invalid selection. Please try again.\n',
    resume: 'Continue where you left off?',
  },
  SW: {
    main: 'CON Karibu VoicePact\n',
    invalid: 'CON Chaguo si sahihi. Jaribu tena.\n',
    resume: 'Endelea ulipoishia?',
  },
};

/** Everything a phone can have: contracts in each state and payments in each state, more than a screen holds. */
async function seedPhone(me: string): Promise<void> {
  const d = () => createDomain(app.running.orm.em.fork(), app.running.domainDeps);
  const admin: Actor = { kind: 'admin' };
  const other = () => newPhone();
  // A product name with characters GSM-7 lacks, and the largest amount the schema takes.
  await pendingContract(app, {
    buyer: me,
    seller: other(),
    product: 'Café “Premium” maize — grade A 🌽 from Eldoret [co-op]',
    totalAmount: '9999999999999.99',
  });
  for (let i = 0; i < 3; i++) await pendingContract(app, { buyer: me, seller: other(), product: `Beans lot ${i}` });
  await confirmedContract(app, { buyer: me, seller: other(), product: 'Rice' });
  for (let i = 0; i < 2; i++)
    await activeContract(app, { buyer: me, seller: other(), product: `Potatoes ${i}`, totalAmount: '45000' });
  await activeContract(app, { buyer: other(), seller: me, product: 'Milk', totalAmount: '15600.75' });
  const disputed = await activeContract(app, { buyer: me, seller: other(), product: 'Tomatoes' });
  await d().disputes.report(phoneActor(me), { contractId: disputed.id, reason: DisputeReason.POOR_QUALITY });
  // Payments that failed, wait, were released and were refunded.
  const failing = await confirmedContract(app, { buyer: me, seller: other(), product: 'Onions' });
  const failed = await d().payments.fundEscrow(admin, failing.id);
  await d().settlement.settleDeposit(failed.value.id, { state: 'FAILED', reason: 'Request cancelled by user' });
  await d().payments.fundEscrow(admin, failing.id); // a new attempt, still PENDING
  const released = await activeContract(app, { buyer: me, seller: other(), product: 'Sorghum' });
  await d().deliveries.confirm(phoneActor(me), {
    contractId: released.id,
    kind: DeliveryKind.FULL,
    pin: await ensurePin(app, me),
  });
  const rp = (await d().payments.list(admin, { contractId: released.id })).nodes[0];
  await d().settlement.settlePayout(rp.id, { state: 'SUCCEEDED', receipt: 'REL1' });
  const refunded = await activeContract(app, { buyer: me, seller: other(), product: 'Cabbages' });
  const dispute = await d().disputes.report(phoneActor(me), {
    contractId: refunded.id,
    reason: DisputeReason.NOT_DELIVERED,
  });
  await d().disputes.resolve(admin, { disputeId: dispute.value.id, outcome: DisputeOutcome.REFUND_TO_BUYER });
  const fp = (await d().payments.list(admin, { contractId: refunded.id })).nodes[0];
  await d().settlement.settlePayout(fp.id, { state: 'SUCCEEDED', receipt: 'REF1' });
  await overdueContract(me);
}

/** ACTIVE, 4 of 10 bags accepted, the delivery deadline passed: the buyer's extend and refund choices (issue 11). */
async function overdueContract(me: string) {
  const c = await activeContract(app, {
    buyer: me,
    seller: newPhone(),
    product: 'Cassava',
    quantity: '10',
    totalAmount: '3000',
  });
  await createDomain(app.running.orm.em.fork(), app.running.domainDeps).deliveries.confirm(phoneActor(me), {
    contractId: c.id,
    kind: DeliveryKind.PARTIAL,
    quantity: '4',
    pin: await ensurePin(app, me),
  });
  await passDeadline(app, c.id);
}

function holdsTheRules(path: string, a: Answer): void {
  const where = `screen at "${path}":\n${a.body}`;
  expect({ where, status: a.status }).toEqual({ where, status: 200 });
  expect({ where, prefix: /^(CON|END) /.test(a.body) }).toEqual({ where, prefix: true });
  expect({ where, length: a.screen.length <= 160 }).toEqual({ where, length: true });
  expect({ where, gsm7: isGsm7(a.screen) }).toEqual({ where, gsm7: true });
  const options = a.screen.split('\n').filter((l) => /^\d{1,2}\. \S/.test(l));
  // 00. Home is the way out every screen below the main menu has, not one of its 8 choices.
  const choices = options.filter((o) => !o.startsWith('00. '));
  expect({ where, atMost8: choices.length <= 8 }).toEqual({ where, atMost8: true });
  expect({ where, unique: new Set(options.map((o) => o.split('.')[0])).size === options.length }).toEqual({
    where,
    unique: true,
  });
  if (!a.end) expect({ where, noDeadEnd: options.length > 0 }).toEqual({ where, noDeadEnd: true });
}

const keysOf = (a: Answer) =>
  a.screen
    .split('\n')
    .filter((l) => /^\d{1,2}\. \S/.test(l))
    .map((l) => l.split('.')[0]);

/**
 * Breadth-first over paths. A path is reached by dialling it as a new session's first text (the shortcut
 * replay); each option is then pressed in that same session, as a person would. Actions on the way change
 * the data (a completed contract leaves the list), so an option is checked against the screen the session
 * shows at that moment.
 */
async function walk(me: string, lang: 'EN' | 'SW', token: string): Promise<Set<string>> {
  const words = LANG[lang];
  const phone = ussd(app.url);
  const seen = new Set<string>();
  const queue: string[] = [''];
  const open = async (path: string) => {
    const handset = path === '' ? phone.dial(me) : phone.session(me).send(path);
    const a = await handset;
    holdsTheRules(path, a);
    return { handset, a };
  };
  const press = async (path: string, key: string) => {
    const { handset, a } = await open(path);
    if (a.end || !(keysOf(a).includes(key) || ['0', '00', '77'].includes(key))) return null; // the data moved on
    const next = await handset.enter(key);
    const at = path === '' ? key : `${path}*${key}`;
    // Choosing a language on the way changes the phone's setting: put it back so the walk stays in one language.
    if (a.screen.startsWith('Language / Lugha') && key !== '0') await setLanguageVia(app, token, lang);
    holdsTheRules(at, next);
    return next;
  };
  while (queue.length) {
    const path = queue.shift()!;
    const { a } = await open(path);
    if (a.end || seen.has(a.body)) continue;
    seen.add(a.body);
    const keys = keysOf(a);
    if (!keys.includes('0')) throw new Error(`no 0 on the screen at "${path}":\n${a.body}`);
    for (const key of keys) {
      const child = await press(path, key);
      if (!child) continue;
      expect({ path, key, invalid: child.body.startsWith(words.invalid) }).toEqual({ path, key, invalid: false });
      // After choosing a language comes the main menu, already walked; going on would leave this language.
      if (!child.end && !(a.screen.startsWith('Language / Lugha') && key !== '0'))
        queue.push(path === '' ? key : `${path}*${key}`);
    }
    const home = await press(path, '00');
    if (home) expect({ path, home: home.body.startsWith(words.main) }).toEqual({ path, home: true });
    // A question (a phone number, a quantity, a PIN) takes any input as its answer: typed answers are walked below.
    const question = keys.every((k) => k === '0' || k === '00');
    const invalid = question ? null : await press(path, '77');
    if (invalid) expect({ path, invalid: invalid.body.startsWith(words.invalid) }).toEqual({ path, invalid: true });
  }
  return seen;
}

test.each(['EN', 'SW'] as const)(
  'every screen in %s keeps the rules',
  async (lang) => {
    const me = newPhone();
    await seedPhone(me);
    const token = await loginAs(app, me);
    await setLanguageVia(app, token, lang);

    const seen = await walk(me, lang, token);
    const all = [...seen].join('\n---\n');
    // The walk did reach the screens that matter (in this language).
    const expected =
      lang === 'EN'
        ? [
            'Your Contracts:',
            '98. More',
            'Contract Details',
            'Confirm Delivery\nContract:',
            'Report Issue\n1.',
            'Quantity received?',
            'Your Payments:',
            'Payment Details',
            'Held in escrow',
            'Released to seller',
            'Refunded to buyer',
            'Awaiting deposit',
            'Failed',
            'VoicePact Help',
            'Language / Lugha\n1. English',
            'Select Contract:',
            'You are:\n1. Selling',
            "Seller's phone number:",
            '4. Decline',
            'Decline VP-',
            'Pay KES',
            'into escrow for',
            'Release KES',
            'Enter your VoicePact PIN',
            'Qty: ',
            'Issue: Poor quality. Under review',
            '00. Home',
            '6. Extend 7 days\n7. Refund what was not delivered',
            'Fee: KES',
          ]
        : [
            'Mikataba Yako:',
            '98. Zaidi',
            'Maelezo ya Mkataba',
            'Thibitisha Uwasilishaji\nMkataba:',
            'Ripoti Tatizo\n1.',
            'Idadi iliyopokelewa?',
            'Malipo Yako:',
            'Maelezo ya Malipo',
            'Imeshikiliwa (escrow)',
            'Imetolewa kwa muuzaji',
            'Imerejeshwa kwa mnunuzi',
            'Inasubiri malipo',
            'Imeshindwa',
            'Msaada wa VoicePact',
            'Chagua Mkataba:',
            'Wewe ni:\n1. Muuzaji',
            'Nambari ya simu ya muuzaji:',
            '4. Kataa',
            'Kataa VP-',
            'Lipa KES',
            'kwenye escrow kwa',
            'Toa KES',
            'Ingiza PIN yako ya VoicePact',
            'Idadi: ',
            'Tatizo: Ubora duni. Linakaguliwa',
            '00. Mwanzo',
            '6. Ongeza siku 7\n7. Rejesha pesa ya kisichofika',
            'Ada: KES',
          ];
    for (const text of expected) expect({ lang, text, found: all.includes(text) }).toEqual({ lang, text, found: true });
    expect(seen.size).toBeGreaterThan(25);

    // The screens behind typed answers: New Contract to its summary, a partial quantity, Change PIN; then the
    // deadline questions of an overdue contract made for them (the walk reported an issue on the other): the newest, 1.
    const walked: string[] = [];
    const type = async (answers: string[][]) => {
      for (const steps of answers) {
        const h = ussd(app.url).dial(me);
        for (const [i, step] of steps.entries()) {
          const a = await h.enter(step);
          holdsTheRules(steps.slice(0, i + 1).join('*'), a);
          walked.push(a.screen);
          if (a.end) break;
        }
      }
    };
    await type([
      ['5', '1', newPhone(), '6', 'Groundnuts', '12.5', '7', 'sacks', '150000', '30'],
      ['5', '2', '0202123456', newPhone(), '6', 'Sorghum', '25', '6', '2500', '3'],
      ['2', '1', '2', '1'],
      ['4', '2'],
    ]);
    await overdueContract(me);
    await type([
      ['1', '1', '7'],
      ['1', '1', '6'],
    ]);
    const typedExpected =
      lang === 'EN'
        ? [
            'Product:\n1.',
            'Quantity (e.g.',
            'Unit:\n1. bags',
            'Total price in KES',
            'Deliver within',
            'Sell 12.5 sacks Groundnuts',
            'fee KES 1,500 (buyer pays), deliver by',
            // 1,800 for the 6 bags, and the 18 of the buyer's fee share (1% of 3,000) not earned.
            'Refund KES 1,818 to you for 6 bags not delivered?',
            'Move the delivery deadline of VP-',
            'Buy 25 pieces Sorghum',
            'Use a mobile number',
            'Partial delivery noted.',
            'Enter your current PIN',
          ]
        : [
            'Bidhaa:\n1.',
            'Idadi (mf.',
            'Kipimo:\n1. magunia',
            'Bei yote kwa KES',
            'siku ngapi',
            'Uza sacks 12.5 Groundnuts',
            'ada KES 1,500 (mnunuzi), ifike kabla',
            'Urejeshewe KES 1,818 kwa magunia 6 ambazo hazikufika?',
            'Sogeza muda wa uwasilishaji wa VP-',
            'Nunua vipande 25 Sorghum',
            'Tumia nambari ya simu ya mkononi',
            'Uwasilishaji wa sehemu umerekodiwa.',
            'Ingiza PIN yako ya sasa',
          ];
    for (const text of typedExpected)
      expect({ lang, text, found: walked.some((w) => w.includes(text)) }).toEqual({ lang, text, found: true });

    // The resume offer, which only a fresh dial after a dropped session shows.
    const dropped = ussd(app.url).dial(me).enter('1').enter('1');
    await dropped;
    await postEvent(app.url, { sessionId: dropped.sessionId, status: 'Incomplete' });
    const offer = await ussd(app.url).dial(me);
    holdsTheRules('(resume)', offer);
    expect(offer.screen.startsWith(LANG[lang].resume)).toBe(true);
    // 0 (Back), 00 (Home) and anything else lead to the main menu.
    for (const key of ['0', '00', '77']) {
      const again = ussd(app.url).dial(me).enter('4');
      await again;
      await postEvent(app.url, { sessionId: again.sessionId, status: 'Incomplete' });
      const h = ussd(app.url).dial(me);
      expect((await h).screen.startsWith(LANG[lang].resume)).toBe(true);
      expect((await h.enter(key)).body.startsWith(LANG[lang].main)).toBe(true);
    }
  },
  300_000,
);

test('no END screen is left without words, and none of them passes 160 characters', async () => {
  const me = newPhone();
  const seller = newPhone();
  const c = await pendingContract(app, { buyer: me, seller, product: 'X'.repeat(60) });
  const a = await ussd(app.url).session(me).send('1*1*3');
  holdsTheRules('1*1*3', a);
  expect(a.body).toBe(`END Contract ${c.code} accepted.\nYou will get an SMS when it is active.`);
});
