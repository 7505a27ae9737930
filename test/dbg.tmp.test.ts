import { startTestApp, type TestApp } from './support/app';
import { domainOf } from './support/drive';
import { BUYER, SELLER } from './support/fixtures';
import { confirmedContract, FAST } from './support/money-flow';
import { phoneActor } from '../src/auth/actor';
import { Payment } from '../src/payment/payment.entity';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('dbg', { ...FAST, PAYMENT_PROVIDER: 'sandbox', MPESA_MAX_TRANSACTION_KES: '1000', LOG_LEVEL: 'info' }, 'all');
});
afterAll(() => app.close());
test('dbg', async () => {
  const c = await confirmedContract(app, { buyer: BUYER, seller: SELLER, totalAmount: '2500' });
  await domainOf(app).payments.fundEscrow(phoneActor(BUYER), c.id);
  await new Promise((r) => setTimeout(r, 4000));
  const rows = await app.running.orm.em.fork().find(Payment, { contract: c.id }, { orderBy: { createdAt: 'asc' } });
  console.log(rows.map((r) => [r.kind, r.status, r.amount, r.depositPart, r.depositParts, r.createdAt.toISOString()]));
});
