import fc from 'fast-check';
import { Decimal } from '../src/common/money';
import { ContractStatus } from '../src/contract/contract.enums';
import type { Movement } from '../src/escrow/accounts';
import { depositPlan } from '../src/escrow/deposit-plan';
import { depositAmountOf, splitForProvider } from '../src/escrow/escrow.ledger';
import { PaymentKind, PaymentStatus } from '../src/payment/payment.entity';

/**
 * The split rule of a deposit above M-Pesa's per-transaction limit (src/escrow/deposit-plan.ts): fill each part to
 * the limit, the remainder last, applied to what is still to collect. Here, as settlement and fundEscrow use it:
 * each step asks for the plan's next part, which is paid or fails (and is then asked for again).
 */
const contract = (total: string, fee = '0', feePayer: 'BUYER' | 'SELLER' | 'SPLIT' = 'BUYER') => ({
  totalAmount: total,
  feeAmount: fee,
  feePayer,
  status: ContractStatus.CONFIRMED,
});
const deposit = (amount: Decimal.Value, status: PaymentStatus): Movement => ({
  kind: PaymentKind.DEPOSIT,
  status,
  amount: new Decimal(amount).toFixed(2),
});
const amounts = (ds: Decimal[]) => ds.map((d) => d.toFixed(2));
/** The parts a plan still has to collect, as the payouts' rule lists them (the plan itself only counts them). */
const toCollect = (p: ReturnType<typeof depositPlan>, limit: number) => (p.next ? splitForProvider(p.left, limit) : []);
const partsOf = (c: ReturnType<typeof contract>, rows: Movement[], limit: number) =>
  amounts(toCollect(depositPlan(c, rows, limit), limit));

test('KES 600,000 at the 250,000 limit is three parts: 250,000 + 250,000 + 100,000, the buyer fee share on the last', () => {
  expect(partsOf(contract('600000'), [], 250_000)).toEqual(['250000.00', '250000.00', '100000.00']);
  expect(partsOf(contract('600000', '6000'), [], 250_000)).toEqual(['250000.00', '250000.00', '106000.00']);
  // Exactly at the limit, and below it: one part, as before.
  expect(depositPlan(contract('250000'), [], 250_000)).toMatchObject({ parts: 1, paid: 0 });
  expect(partsOf(contract('3500'), [], 250_000)).toEqual(['3500.00']);
});

test('a failed part is asked for again alone; collected parts are never asked for again', () => {
  const c = contract('600000');
  const rows = [deposit(250_000, PaymentStatus.LOCKED), deposit(250_000, PaymentStatus.FAILED)];
  expect(depositPlan(c, rows, 250_000)).toMatchObject({ paid: 1, parts: 3 });
  expect(partsOf(c, rows, 250_000)).toEqual(['250000.00', '100000.00']);
  // All in: nothing left, and nothing for a contract no longer waiting for its deposit.
  const all = [...rows, deposit(250_000, PaymentStatus.LOCKED), deposit(100_000, PaymentStatus.LOCKED)];
  expect(depositPlan(c, all, 250_000)).toMatchObject({ next: null, paid: 3, parts: 3 });
  expect(depositPlan({ ...c, status: ContractStatus.CANCELLED }, rows, 250_000)).toMatchObject({
    next: null,
    parts: 1,
  });
  expect(depositPlan({ ...c, status: ContractStatus.CANCELLED }, rows, 250_000).left.toFixed(2)).toBe('350000.00');
});

test('for any deposit, limit and run of paid and failed parts: each part within the limit, the sum exact, the fewest parts', () => {
  // Up to 40 limits' worth, in whole shillings or with cents (the sandbox moves cents; M-Pesa refuses them before).
  const deal = fc.integer({ min: 1, max: 300_000 }).chain((limit) =>
    fc.record({
      limit: fc.constant(limit),
      total: fc.oneof(
        fc.integer({ min: 1, max: limit * 40 }).map(String),
        fc.integer({ min: 1, max: limit * 4000 }).map((c) => (c / 100).toFixed(2)),
      ),
      fee: fc.integer({ min: 0, max: limit * 2 }),
      feePayer: fc.constantFrom('BUYER' as const, 'SELLER' as const, 'SPLIT' as const),
      /** Whether each prompt is paid (true) or fails; a failed one is asked for again. */
      outcomes: fc.array(fc.boolean(), { maxLength: 120 }),
    }),
  );
  fc.assert(
    fc.property(deal, ({ total, fee, feePayer, limit, outcomes }) => {
      const c = contract(total, String(Math.min(fee, Number(total))), feePayer);
      const due = new Decimal(depositAmountOf(c));
      const first = depositPlan(c, [], limit);
      expect(first.parts).toBe(Math.max(1, due.div(limit).ceil().toNumber()));
      const rows: Movement[] = [];
      const steps = outcomes.length + first.parts * 2; // every failure asks once more
      for (let i = 0; i < steps; i++) {
        const plan = depositPlan(c, rows, limit);
        if (!plan.next) break;
        const next = plan.next;
        // What is left, cut by the rule, is as many parts as the plan counts, the next one first.
        const rest = toCollect(plan, limit);
        expect(plan.parts).toBe(plan.paid + rest.length);
        expect(rest[0].toFixed(2)).toBe(next.toFixed(2));
        expect(next.gt(0) && next.lte(limit)).toBe(true);
        expect(next.decimalPlaces()).toBeLessThanOrEqual(2);
        // The plan never changes its mind: as many parts as first said, whatever failed on the way.
        expect(plan.parts).toBe(first.parts);
        expect(amounts(rest)).toEqual(amounts(toCollect(first, limit).slice(plan.paid)));
        rows.push(deposit(next, (outcomes[i] ?? true) ? PaymentStatus.LOCKED : PaymentStatus.FAILED));
      }
      const collected = rows.filter((r) => r.status === PaymentStatus.LOCKED);
      const sum = collected.reduce((s, r) => s.add(r.amount), new Decimal(0));
      expect(sum.toFixed(2)).toBe(due.toFixed(2));
      expect(collected).toHaveLength(first.parts);
      expect(depositPlan(c, rows, limit)).toMatchObject({ next: null, paid: first.parts });
    }),
    { numRuns: 300 },
  );
});

test('a limit lowered between two parts: the rest is cut within the new limit, the sum still exact', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1_000_000 }),
      fc.array(fc.integer({ min: 10_000, max: 300_000 }), { minLength: 1, maxLength: 60 }),
      (total, limits) => {
        const c = contract(String(total));
        const rows: Movement[] = [];
        for (let i = 0; i < 200; i++) {
          const limit = limits[i % limits.length];
          const plan = depositPlan(c, rows, limit);
          if (!plan.next) break;
          expect(plan.next.lte(limit)).toBe(true);
          rows.push(deposit(plan.next, PaymentStatus.LOCKED));
        }
        expect(rows.reduce((s, r) => s.add(r.amount), new Decimal(0)).toFixed(2)).toBe(new Decimal(total).toFixed(2));
      },
    ),
    { numRuns: 200 },
  );
});

test('a contract worth far more than the limit is counted, not listed (a list of its parts would not fit in memory)', () => {
  const plan = depositPlan(contract('9999999999999.99'), [], 250_000);
  expect(plan.parts).toBe(40_000_000);
  expect(plan.next!.toFixed(2)).toBe('250000.00');
});
