import type { Job } from 'bullmq';
import pino from 'pino';
import { gsm7Length, isGsm7 } from '../src/common/gsm7';
import { text, alertText, type TextKey } from '../src/notification/notification.texts';
import { Language } from '../src/profile/profile.entity';
import type { Domain } from '../src/domain';
import type { SmsMessage } from '../src/notification/sms.port';
import { notificationProcessor } from '../workers/notification.worker';
import { FakeAfricasTalkingServer } from './fakes/fake-at.server';
import { startTestApp, type TestApp } from './support/app';
import { domainOf } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER, createContract, SELLER } from './support/fixtures';
import { FAST } from './support/money-flow';
import { phoneActor } from '../src/auth/actor';

describe('texts', () => {
  const long = {
    code: 'VP-7K3Q9D',
    role: 'SELLER',
    qty: '1250.5',
    unit: 'crates',
    money: 'KES 9,999,999,999,999.99',
    ussd: '*384*12345#',
    product: 'Maïs “grade A” — Kitale 🌽 '.repeat(3).slice(0, 60),
    reason: 'The balance is insufficient for the transaction, please top up and try again later',
    releaseAt: '28 Nov 14:05',
    support: '0800 720 000',
    outcome: 'payment released to the seller',
    kind: 'RELEASE',
    ref: 'VP0123456789ABCDEF01',
    who: 'Wanjiru Kamau wa Ushirika wa Wakulima wa Eldoret',
    delivered: '1250.5',
    total: '99999.999 crates',
    status: 'ACTIVE',
  };
  const keys: TextKey[] = [
    'created',
    'active',
    'deliveryReported',
    'releasedSeller',
    'releasedBuyer',
    'refundedBuyer',
    'refundedSeller',
    'disputeRaised',
    'depositFailed',
    'payoutDelayed',
    'cancelled',
    'disputeResolved',
    'confirmedBuyer',
    'confirmedSeller',
    'declined',
    'partialDelivery',
    'smsStatus',
  ];

  test.each(['smsHelp', 'pinLocked', 'pinReset', 'smsUnknown'] as TextKey[])(
    '%s (no contract) fits one GSM-7 SMS in both languages',
    (key) => {
      for (const lang of [Language.EN, Language.SW]) {
        const t = text(key, lang, { ...long, minutes: '30', attempts: '3' });
        expect(isGsm7(t)).toBe(true);
        expect(gsm7Length(t)).toBeLessThanOrEqual(160);
        expect(t).toMatch(/^VoicePact/);
      }
    },
  );

  test.each(keys)('%s fits one GSM-7 SMS in both languages, even with a long product in other scripts', (key) => {
    for (const lang of [Language.EN, Language.SW]) {
      const t = text(key, lang, long);
      expect(isGsm7(t)).toBe(true);
      expect(gsm7Length(t)).toBeLessThanOrEqual(160);
      expect(t).toContain('VP-7K3Q9D');
    }
  });

  test('the code and the USSD code survive shortening; only the free text is cut', () => {
    const t = text('created', Language.EN, long);
    expect(t).toContain('*384*12345#');
    expect(t).toMatch(/dial \*384\*12345#, choose 1 then VP-7K3Q9D\.$/);
    expect(text('created', Language.SW, long)).toMatch(/^VoicePact VP-7K3Q9D: Wanjiru.* anakuomba uwe muuzaji: /);
    expect(gsm7Length(alertText('payoutFailed', long))).toBeLessThanOrEqual(160);
  });
});

describe('the notifications processor', () => {
  /**
   * The processor over `messagesFor`, with an SMS sender that fails for the SELLER until the first run threw: what a
   * retry after a partial send meets.
   */
  async function sendWithRetry(subjectId: string, messagesFor: () => Promise<SmsMessage[]>) {
    const domain = { notifications: { messagesFor } } as unknown as Domain;
    const delivered: string[] = [];
    let failOn: string | null = SELLER;
    const sms = {
      name: 'stub',
      send: async (m: SmsMessage) => {
        if (m.to === failOn) throw new Error('AT unreachable');
        delivered.push(m.to);
        return { status: 'SENT' as const };
      },
    };
    const job = {
      data: { event: 'contract.created', subjectId } as any,
      async updateData(d: any) {
        job.data = d;
      },
    } as unknown as Job<any>;
    const process = notificationProcessor(() => domain, sms, pino({ level: 'silent' }));
    await expect(process(job)).rejects.toThrow('AT unreachable');
    failOn = null;
    await process(job);
    return { delivered, again: () => process(job) };
  }

  test('a retry after a partial send texts only those not yet texted', async () => {
    const messages: SmsMessage[] = [
      { to: BUYER, text: 'one' },
      { to: SELLER, text: 'two' },
      { to: '+254733000222', text: 'three' },
    ];
    const { delivered } = await sendWithRetry('c1', async () => messages);
    expect(delivered).toEqual([BUYER, SELLER, '+254733000222']);
  });

  test('a retry that gets the recipients in another order still texts each one exactly once', async () => {
    // Parties come back from the database in no fixed order: the retry must not go by position.
    const first: SmsMessage[] = [
      { to: BUYER, text: 'to the buyer' },
      { to: SELLER, text: 'to the seller' },
      { to: '+254733000222', text: 'to the witness' },
    ];
    let calls = 0;
    const { delivered, again } = await sendWithRetry('c2', async () => (calls++ === 0 ? first : [...first].reverse()));
    expect([...delivered].sort()).toEqual([BUYER, SELLER, '+254733000222'].sort());
    expect(delivered).toEqual([BUYER, '+254733000222', SELLER]);
    await again(); // a third run (a duplicate job) texts nobody again
    expect(delivered).toHaveLength(3);
  });
});

describe("through Africa's Talking (the fake), from the real queue", () => {
  let app: TestApp;
  let at: FakeAfricasTalkingServer;
  beforeAll(async () => {
    at = new FakeAfricasTalkingServer();
    const atUrl = await at.start();
    app = await startTestApp(
      'notify_at',
      { ...FAST, AT_USERNAME: 'sandbox', AT_API_KEY: at.apiKey, AT_BASE_URL: atUrl },
      'all',
    );
  });
  afterAll(async () => {
    await app.close();
    await at.stop();
  });

  test('each party is told of a new contract once, in their language, and a failed send is retried', async () => {
    await domainOf(app).profiles.setLanguage(phoneActor(SELLER), Language.SW);
    at.failNext(1, 503);
    const c = await createContract(app);
    const to = (phone: string) => at.requests.filter((r) => r.form.to === phone && r.form.message.includes(c.code));
    await eventually(() => to(BUYER).length >= 1 && to(SELLER).length >= 1, { what: 'both texts' });
    const seller = to(SELLER);
    expect(seller).toHaveLength(1);
    expect(seller[0].form.message).toMatch(/anakuomba uwe muuzaji/);
    expect(seller[0].headers.apikey).toBe(at.apiKey);
    const buyer = to(BUYER);
    expect(buyer.at(-1)!.form.message).toMatch(/proposes you as buyer/);
    expect(at.requests.length).toBe(3); // the refused try, then one text per party
  });
});
