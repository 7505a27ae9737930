import fc from 'fast-check';
import { Decimal } from '../src/common/money';
import { accountOf, type Movement } from '../src/escrow/accounts';
import { lotAmount, owedFor, quantityDue, splitHeld } from '../src/escrow/lots';
import { PaymentKind, PaymentStatus } from '../src/payment/payment.entity';

/**
 * For any deal and any sequence of lots, deadline refunds, dispute splits and provider results (some delivered twice),
 * the accounts add up at every step, every payout is settled at most once, and once closed the parts sum to the
 * deposit exactly. The escrow code is pure here (src/escrow/lots.ts, accounts.ts); the decision rules mirror
 * DeliveryService.accept, EscrowService.closeWithRefund, DisputeService.resolve and SettlementService.settlePayout.
 */
type Op =
  | { kind: 'lot'; share: number }
  | { kind: 'refundRest' }
  | { kind: 'split'; share: number }
  | { kind: 'settle'; pick: number; fail: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('lot' as const), share: fc.double({ min: 0.0001, max: 1, noNaN: true }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refundRest' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('split' as const), share: fc.double({ min: 0, max: 1, noNaN: true }) }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(50), fail: fc.boolean() }) },
);

const deal = fc.record({
  total: fc.oneof(
    fc.integer({ min: 1, max: 50_000_000 }).map(String),
    fc.integer({ min: 1, max: 99_999_999 }).map((c) => (c / 100).toFixed(2)),
  ),
  quantity: fc.oneof(
    fc.integer({ min: 1, max: 100_000 }).map(String),
    fc.integer({ min: 1, max: 9_999_999 }).map((m) => (m / 1000).toFixed(3)),
  ),
});

interface Row extends Movement {
  id: number;
  settledTimes: number;
}

test('any sequence of lots, refunds, splits and provider results keeps the accounts whole and pays nothing twice', () => {
  fc.assert(
    fc.property(deal, fc.array(op, { maxLength: 40 }), ({ total, quantity }, ops) => {
      const rows: Row[] = [
        { id: 0, kind: PaymentKind.DEPOSIT, status: PaymentStatus.LOCKED, amount: total, settledTimes: 0 },
      ];
      let accepted = new Decimal(0);
      let open = true;
      const decide = (kind: PaymentKind.RELEASE | PaymentKind.REFUND, amount: Decimal) => {
        const available = accountOf(rows).available;
        if (amount.lte(0)) return;
        expect(amount.lte(available)).toBe(true); // decidePayout refuses more than is available
        rows.push({ id: rows.length, kind, status: PaymentStatus.LOCKED, amount: amount.toFixed(2), settledTimes: 0 });
      };
      for (const o of ops) {
        if (o.kind === 'settle') {
          const payouts = rows.filter((r) => r.kind !== PaymentKind.DEPOSIT);
          if (!payouts.length) continue;
          const r = payouts[o.pick % payouts.length];
          if (r.status !== PaymentStatus.LOCKED) continue; // a late or repeated result changes nothing
          r.settledTimes++;
          r.status = o.fail
            ? PaymentStatus.FAILED
            : r.kind === PaymentKind.RELEASE
              ? PaymentStatus.RELEASED
              : PaymentStatus.REFUNDED;
        } else if (open && o.kind === 'lot') {
          const due = quantityDue(quantity, accepted);
          const lot = Decimal.max(due.mul(o.share).toDecimalPlaces(3, Decimal.ROUND_UP), '0.001');
          if (lot.gt(due)) continue;
          const complete = accepted.add(lot).gte(quantity);
          const available = accountOf(rows).available;
          const amount = complete ? available : Decimal.min(lotAmount(total, quantity, accepted, lot), available);
          // A lot is its quantity x unit price within one shilling (the last one takes what remains).
          if (!complete) expect(amount.sub(new Decimal(total).mul(lot).div(quantity)).abs().lt(1)).toBe(true);
          accepted = accepted.add(lot);
          decide(PaymentKind.RELEASE, amount);
          if (complete) open = false;
        } else if (open && o.kind === 'refundRest') {
          decide(PaymentKind.REFUND, accountOf(rows).available);
          open = false;
        } else if (open && o.kind === 'split') {
          const held = accountOf(rows).available;
          const { release, refund } = splitHeld(held, held.mul(o.share).toDecimalPlaces(2, Decimal.ROUND_DOWN));
          decide(PaymentKind.RELEASE, release);
          decide(PaymentKind.REFUND, refund);
          open = false;
        }
        const a = accountOf(rows);
        expect(a.deposited.eq(a.released.add(a.refunded).add(a.fees).add(a.held))).toBe(true);
        expect(a.held.gte(0) && a.available.gte(0) && a.payingOut.gte(0)).toBe(true);
        expect(a.released.add(a.refunded).lte(total)).toBe(true);
      }
      for (const r of rows) expect(r.settledTimes).toBeLessThanOrEqual(1);
      // Closed and every payout settled successfully: the parts are exactly the deposit.
      const a = accountOf(rows);
      const allPaid = rows.every(
        (r) =>
          r.kind === PaymentKind.DEPOSIT || r.status === PaymentStatus.RELEASED || r.status === PaymentStatus.REFUNDED,
      );
      if (!open && allPaid) {
        expect(a.released.add(a.refunded).eq(total)).toBe(true);
        expect(a.held.isZero()).toBe(true);
      }
      // What the lots released never exceeds what the accepted quantity is worth, rounded down (save the last lot).
      if (open) expect(a.released.lte(owedFor(total, quantity, accepted))).toBe(true);
    }),
    { numRuns: 400 },
  );
});

test('the rounding rule on the examples of the issue', () => {
  expect([4, 6].map((q, i) => lotAmount('3000', '10', i ? 4 : 0, q).toFixed(0))).toEqual(['1200', '1800']);
  const parts = [3, 3, 4].reduce<{ at: number; out: string[] }>(
    (s, q) => ({ at: s.at + q, out: [...s.out, lotAmount('1001', '10', s.at, q).toFixed(0)] }),
    { at: 0, out: [] },
  ).out;
  expect(parts).toEqual(['300', '300', '401']);
  // A third of a bag: rounded down to the shilling until the last lot.
  expect(lotAmount('100', '3', 0, 1).toFixed(2)).toBe('33.00');
  expect(lotAmount('100', '3', 1, 1).toFixed(2)).toBe('33.00');
  expect(lotAmount('100', '3', 2, 1).toFixed(2)).toBe('34.00');
  expect(owedFor('12000.50', '50', 50).toFixed(2)).toBe('12000.50');
  expect(() => splitHeld(100, 101)).toThrow(RangeError);
});
