import fc from 'fast-check';
import { gsm7Length, isGsm7 } from '../src/common/gsm7';
import type { FakeMpesaServer } from './fakes/fake-mpesa.server';
import { ADMIN_KEY, type TestApp } from './support/app';
import { eventually } from './support/eventually';
import { BUYER, CLIENT_MISTAKE_CODES, contractInput, SELLER } from './support/fixtures';
import { confirmedContract, fundAndWaitLocked } from './support/money-flow';
import { CALLBACK_TOKEN, startMpesaApp } from './support/mpesa-app';

/**
 * Issue 10: property-based tests (fast-check) over the three doors a stranger can knock on: the USSD webhook, the
 * GraphQL inputs and the payment callbacks. Random and adversarial fields, encodings, lengths and orders; run counts
 * kept modest because these run in the normal suite. A failure prints the seed and the shrunk counterexample; the
 * service keeps its state between runs, so the counterexample may need the runs before it (replay with the seed).
 * Checked against mutations: without defect 1's fix the GraphQL property finds a 500 within a few runs; a settlement
 * that applies results to deposits no longer PENDING is caught by the callback property.
 */
let app: TestApp;
let fake: FakeMpesaServer;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ app, fake, close } = await startMpesaApp('props', {
    RECONCILE_EVERY_SECONDS: '1',
    USSD_RATE_LIMIT_PER_MINUTE: '0',
  }));
});
afterAll(() => close());

// A client mistake's codes, and the domain's answers to a well-formed request it refuses.
const CLIENT_CODES = new Set<string>([
  ...CLIENT_MISTAKE_CODES,
  'NOT_FOUND',
  'FORBIDDEN',
  'INVALID_TRANSITION',
  'CONFLICT',
  'RATE_LIMITED',
]);

/** Text as hostile clients send it: any code unit, emoji, control characters, separators, long runs. */
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('', ' ', '\u0000', '\u202e', '%00', '*', '**', '#', '1*', '*1', '😀', "'; drop table payments; --"),
  fc.string({ maxLength: 3 }).map((s) => s.repeat(400)),
);

/** The database is consistent: the money invariants hold whatever was sent. */
async function expectConsistent(): Promise<void> {
  const conn = app.running.orm.em.fork().getConnection();
  const q = (sql: string) => conn.execute(sql);
  // Every ACTIVE contract has exactly one LOCKED payment.
  expect(
    await q(`select c.code from contracts c where c.status = 'ACTIVE'
      and (select count(*) from payments p where p.contract_id = c.id and p.status = 'LOCKED') <> 1`),
  ).toEqual([]);
  // No payment is released (or refunded) twice.
  expect(
    await q(
      `select subject_id from audit_events where action = 'payout-settled' group by subject_id having count(*) > 1`,
    ),
  ).toEqual([]);
  const b2c = new Map<string, number>();
  for (const r of fake.requestsTo('/mpesa/b2c/v3/paymentrequest')) {
    const ref = String(r.body.OriginatorConversationID);
    b2c.set(ref, (b2c.get(ref) ?? 0) + 1);
  }
  expect([...b2c.values()].filter((n) => n > 1)).toEqual([]);
  // Every status change has its audit event: each contract's and each payment's current status was audited.
  expect(
    await q(`select c.code, c.status from contracts c where c.status <> 'PENDING' and not exists (
      select 1 from audit_events a where a.subject = 'contract' and a.subject_id = c.id and a.to_state = c.status)`),
  ).toEqual([]);
  expect(
    await q(`select p.id, p.status from payments p where not exists (
      select 1 from audit_events a where a.subject = 'payment' and a.subject_id = p.id and a.to_state = p.status)`),
  ).toEqual([]);
}

describe('the USSD webhook', () => {
  const hop = fc.record({
    sessionId: fc.oneof(fc.constantFrom('S1', 'S2', 'S3'), nasty),
    phoneNumber: fc.oneof(fc.constantFrom(BUYER, SELLER, '0712345678', '+254799000111'), nasty),
    serviceCode: fc.oneof(fc.constant('*384*1234#'), nasty),
    networkCode: fc.oneof(fc.constant('63902'), nasty),
    text: fc.oneof(
      fc.stringMatching(/^[0-9*#]{0,24}$/),
      fc.constantFrom('', '1', '1*1', '1*1*1', '2', '3', '4', '5', '6', '0', '00', '98', '1*98*98'),
      nasty,
    ),
    encoding: fc.constantFrom('form', 'form', 'form', 'json', 'garbage', 'fields-missing', 'duplicated'),
  });

  test('never a 5xx; every answer is CON or END with a screen of at most 160 GSM-7 characters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hop, { minLength: 1, maxLength: 6 }), async (hops) => {
        for (const h of hops) {
          const fields: Record<string, string> = {
            sessionId: h.sessionId,
            serviceCode: h.serviceCode,
            phoneNumber: h.phoneNumber,
            networkCode: h.networkCode,
            text: h.text,
          };
          let body: string;
          let contentType = 'application/x-www-form-urlencoded';
          if (h.encoding === 'json') {
            contentType = 'application/json';
            body = JSON.stringify(fields);
          } else if (h.encoding === 'garbage') {
            body = `%%%${h.text}&&==${h.sessionId}`;
          } else {
            const form = new URLSearchParams(fields);
            if (h.encoding === 'fields-missing') form.delete(h.text.length % 2 ? 'sessionId' : 'phoneNumber');
            if (h.encoding === 'duplicated') form.append('text', h.sessionId);
            body = form.toString();
          }
          const res = await fetch(`${app.url}/api/v1/ussd/`, {
            method: 'POST',
            headers: { 'content-type': contentType },
            body,
          });
          const answer = await res.text();
          expect(res.status).toBeLessThan(500);
          if (res.status !== 200) continue; // a refusal before the menu (e.g. a body that is not a form)
          const m = /^(CON|END) ([\s\S]*)$/.exec(answer);
          expect(m).not.toBeNull();
          const screen = m![2];
          expect(isGsm7(screen)).toBe(true);
          expect(gsm7Length(screen)).toBeLessThanOrEqual(160);
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('the GraphQL inputs', () => {
  const anyValue = fc.oneof(
    nasty,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  );
  /** Mostly valid fields, each replaced now and then by anything at all (or dropped, or an extra one added). */
  const field = (valid: fc.Arbitrary<unknown>) =>
    fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: anyValue });
  const decimal = fc.oneof(
    fc.stringMatching(/^-?\d{1,16}(\.\d{0,7})?$/),
    fc.double().map(String),
    fc.constantFrom('0', '0.00', '1e3', 'NaN', 'Infinity', '12,000.50', ' 10 '),
  );
  const party = fc.record({
    phoneNumber: field(fc.oneof(fc.constantFrom('0712345678', '+254722000111', '0733000222'), nasty)),
    role: field(fc.constantFrom('BUYER', 'SELLER', 'WITNESS', 'buyer', 'KING')),
    name: field(fc.oneof(fc.constant(null), nasty)),
  });
  const input = fc.record(
    {
      product: field(nasty),
      quantity: field(decimal),
      unit: field(nasty),
      totalAmount: field(decimal),
      currency: field(fc.oneof(fc.constantFrom('KES', 'kes', 'USD', 'KSHS'), nasty)),
      deliveryLocation: field(fc.oneof(fc.constant(null), nasty)),
      deliveryDeadline: field(
        fc.oneof(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.constantFrom('soon', '2099-13-40'),
        ),
      ),
      terms: field(fc.oneof(fc.constant(null), fc.jsonValue({ maxDepth: 3 }))),
      parties: field(fc.array(party, { maxLength: 4 })),
      extra: anyValue,
    },
    { requiredKeys: [] },
  );

  test('never a 5xx, never INTERNAL_SERVER_ERROR: every error names the problem', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          input.map((i) => ({
            query: 'mutation($i: CreateContractInput!) { createContract(input: $i) { id code } }',
            variables: { i },
          })),
          fc.record({ n: anyValue, a: anyValue, s: anyValue }).map((v) => ({
            query:
              'query($n: Int, $a: String, $s: [ContractStatus!]) { contracts(first: $n, after: $a, status: $s) { nodes { id } } }',
            variables: v,
          })),
          fc.record({ id: anyValue, r: anyValue }).map((v) => ({
            query: 'mutation($id: ID!, $r: String) { cancelContract(contractId: $id, reason: $r) { id } }',
            variables: v,
          })),
        ),
        async ({ query, variables }) => {
          const res = await app.gql(query, variables as Record<string, unknown>, ADMIN_KEY);
          expect(res.status).toBeLessThan(500);
          for (const e of res.body.errors ?? []) expect(CLIENT_CODES).toContain(e.extensions?.code);
        },
      ),
      { numRuns: 60 },
    );
    await expectConsistent();
  });

  test('a contract created from a valid input keeps its amount exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 1n, max: 999_999_999_999n }),
        fc.integer({ min: 0, max: 99 }),
        async (whole, cents) => {
          const amount = `${whole}.${String(cents).padStart(2, '0')}`;
          const res = await app.gql(
            'mutation($i: CreateContractInput!) { createContract(input: $i) { totalAmount } }',
            { i: contractInput({ totalAmount: amount }) },
            ADMIN_KEY,
          );
          expect(res.body.data.createContract.totalAmount).toBe(amount);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('the payment callbacks', () => {
  test('a callback changes money state only when it matches a request we made; the database stays consistent', async () => {
    const wait = <T>(f: () => Promise<T | false>) => eventually(f, { what: 'deposit' });
    const locked = [];
    for (let i = 0; i < 2; i++) locked.push(await fundAndWaitLocked(app, (await confirmedContract(app)).id, wait));
    const ours = locked.map((p) => p.depositRef!);
    const conn = app.running.orm.em.fork().getConnection();
    const snapshot = () =>
      conn.execute(
        'select id, status, deposit_ref, deposit_receipt, payout_ref, payout_receipt, payout_kind from payments order by id',
      );
    const before = await snapshot();

    const stk = fc.record({
      Body: fc.record({
        stkCallback: fc.record(
          {
            MerchantRequestID: nasty,
            CheckoutRequestID: fc.oneof(fc.constantFrom(...ours), fc.string({ minLength: 1, maxLength: 30 }), nasty),
            ResultCode: fc.oneof(fc.constantFrom(0, 1, 1032, 2001, '0', 'SFC_IC0003'), fc.integer()),
            ResultDesc: nasty,
            CallbackMetadata: fc.record({
              Item: fc.array(
                fc.oneof(
                  fc.record({ Name: fc.constant('Amount'), Value: fc.oneof(fc.constant(2500), fc.double(), nasty) }),
                  fc.record({
                    Name: fc.constant('MpesaReceiptNumber'),
                    Value: fc.oneof(fc.constant('TXYZ123456'), nasty),
                  }),
                  fc.record({
                    Name: fc.constant('PhoneNumber'),
                    Value: fc.oneof(fc.constant(254712345678), fc.integer(), nasty),
                  }),
                  fc.record({ Name: nasty, Value: fc.jsonValue({ maxDepth: 2 }) }),
                ),
                { maxLength: 5 },
              ),
            }),
          },
          { requiredKeys: ['CheckoutRequestID', 'ResultCode'] },
        ),
      }),
    });
    // Well-formed results naming our own (already settled) deposits: replays, late copies, contradictions.
    const replay = fc.record({
      Body: fc.record({
        stkCallback: fc.record({
          MerchantRequestID: fc.string({ maxLength: 10 }),
          CheckoutRequestID: fc.constantFrom(...ours),
          ResultCode: fc.constantFrom(0, 1032, 1),
          ResultDesc: fc.string({ maxLength: 20 }),
          CallbackMetadata: fc.record({
            Item: fc.tuple(fc.constantFrom(2500, 1, 99999), fc.stringMatching(/^T[0-9A-F]{9}$/)).map(([a, r]) => [
              { Name: 'Amount', Value: a },
              { Name: 'MpesaReceiptNumber', Value: r },
              { Name: 'PhoneNumber', Value: 254712345678 },
            ]),
          }),
        }),
      }),
    });
    const result = fc.record(
      {
        Result: fc.record(
          {
            ResultType: fc.integer(),
            ResultCode: fc.oneof(fc.constantFrom(0, 2001, 2032, 'SFC_IC0003'), fc.integer()),
            ResultDesc: nasty,
            OriginatorConversationID: fc.oneof(fc.string({ maxLength: 30 }), nasty),
            ConversationID: nasty,
            TransactionID: nasty,
            ResultParameters: fc.record({
              ResultParameter: fc.array(fc.record({ Key: nasty, Value: fc.jsonValue({ maxDepth: 2 }) }), {
                maxLength: 4,
              }),
            }),
          },
          { requiredKeys: ['ResultCode'] },
        ),
      },
      { requiredKeys: [] },
    );
    const callback = fc.record({
      kind: fc.constantFrom('stk', 'b2c/result', 'b2c/timeout', 'status/result', 'status/timeout', 'nope'),
      token: fc.oneof(
        { weight: 5, arbitrary: fc.constant(CALLBACK_TOKEN) },
        { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
      ),
      body: fc.oneof(stk, replay, result, fc.jsonValue({ maxDepth: 3 })),
      raw: fc.option(fc.string({ maxLength: 50 }), { freq: 8 }),
    });

    await fc.assert(
      fc.asyncProperty(fc.array(callback, { minLength: 1, maxLength: 5 }), async (callbacks) => {
        for (const cb of callbacks) {
          const res = await fetch(`${app.url}/api/v1/payments/mpesa/${cb.kind}/${encodeURIComponent(cb.token)}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: cb.raw ?? JSON.stringify(cb.body),
          });
          await res.text();
          expect(res.status).toBeLessThan(500);
        }
        await app.running.background.drain();
        expect(await snapshot()).toEqual(before);
      }),
      { numRuns: 25 },
    );
    await expectConsistent();
  });
});
