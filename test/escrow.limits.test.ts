import { startTestApp, type TestApp } from './support/app';
import { domainOf, ensurePin } from './support/drive';
import { eventually } from './support/eventually';
import { BUYER, SELLER } from './support/fixtures';
import { auditCount, confirmedContract, FAST, fundAndWaitLocked } from './support/money-flow';
import { phoneActor } from '../src/auth/actor';
import { splitForProvider } from '../src/escrow/escrow.ledger';
import { Payment, PaymentKind } from '../src/payment/payment.entity';

test('a payout above the per-transaction limit is cut into parts within it, the last one the remainder', () => {
  expect(splitForProvider('600000', 250_000).map((d) => d.toFixed(2))).toEqual(['250000.00', '250000.00', '100000.00']);
  expect(splitForProvider('500000', 250_000).map((d) => d.toFixed(2))).toEqual(['250000.00', '250000.00']);
  expect(splitForProvider('250000', 250_000).map((d) => d.toFixed(2))).toEqual(['250000.00']);
  expect(splitForProvider('12.50', 0).map((d) => d.toFixed(2))).toEqual(['12.50']);
});

describe('deposits and payouts above the M-Pesa limit (a limit of KES 1,000 here), through the workers and the sandbox', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp(
      'escrow_limits',
      { ...FAST, PAYMENT_PROVIDER: 'sandbox', MPESA_MAX_TRANSACTION_KES: '1000', ESCROW_FEE_PERCENT: '2' },
      'all',
    );
  });
  afterAll(() => app.close());

  test('a deposit of KES 2,500 comes in as 1,000 + 1,000 + 500; its release of 2,450 goes out as 1,000 + 1,000 + 450, each once, and the accounts add up', async () => {
    // The fee is paid by the seller: 2,500 less 50.
    const c = await confirmedContract(app, {
      buyer: BUYER,
      seller: SELLER,
      totalAmount: '2500',
      quantity: '10',
      feePayer: 'SELLER',
    });
    await fundAndWaitLocked(app, c.id, (f) => eventually(f, { what: 'the deposit' }));
    // The deposit came in the same way: 1,000 + 1,000 + 500, one sandbox prompt each, one after the other.
    const deposits = await app.running.orm.em
      .fork()
      .find(Payment, { contract: c.id, kind: PaymentKind.DEPOSIT }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    expect(deposits.map((p) => [p.depositPart, p.depositParts, p.amount, p.status])).toEqual([
      [1, 3, '1000.00', 'LOCKED'],
      [2, 3, '1000.00', 'LOCKED'],
      [3, 3, '500.00', 'LOCKED'],
    ]);
    for (const p of deposits) expect(await auditCount(app, p.id, 'deposit-locked')).toBe(1);
    await domainOf(app).deliveries.confirm(phoneActor(BUYER), {
      pin: await ensurePin(app, BUYER),
      contractId: c.id,
      kind: 'FULL' as never,
    });
    const rows = await eventually(
      async () => {
        const r = await app.running.orm.em.fork().find(Payment, { contract: c.id, kind: PaymentKind.RELEASE });
        return r.length === 3 && r.every((p) => p.status === 'RELEASED') && r;
      },
      { what: 'the three parts', timeoutMs: 20_000 },
    );
    expect(rows.map((p) => p.amount).sort()).toEqual(['1000.00', '1000.00', '450.00']);
    expect(new Set(rows.map((p) => p.payoutRef)).size).toBe(3);
    for (const p of rows) expect(await auditCount(app, p.id, 'payout-sending')).toBe(1);
    const res = await app.gql(
      'query($id: ID!) { contract(id: $id) { status escrow { deposited released fees held } } }',
      { id: c.id },
      app.running.config.ADMIN_API_KEY,
    );
    expect(res.body.data.contract).toEqual({
      status: 'COMPLETED',
      escrow: { deposited: '2500.00', released: '2450.00', fees: '50.00', held: '0.00' },
    });
  });

  test('a deposit that would take more than MPESA_MAX_DEPOSIT_PARTS prompts is refused, and nothing is prompted', async () => {
    // 20,400 (with the 2% fee) at 1,000 a prompt: 21 prompts, one more than the 20 taken.
    const c = await confirmedContract(app, { buyer: BUYER, seller: SELLER, totalAmount: '20000' });
    const res = await app.gql(
      'mutation($id: ID!) { fundEscrow(contractId: $id) { id } }',
      { id: c.id },
      app.running.config.ADMIN_API_KEY,
    );
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors[0].message).toMatch(/would take 21 M-Pesa payments; at most 20/);
    expect(await app.running.orm.em.fork().count(Payment, { contract: c.id })).toBe(0);
  });
});
