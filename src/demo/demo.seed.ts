import { randomInt } from 'node:crypto';
import { weakPinReason } from '../pin/pin.service';
import { phoneActor as phone, systemActor, type Actor } from '../auth/actor';
import { Contract } from '../contract/contract.entity';
import { createDomain, type DomainDeps } from '../domain';
import type { Orm } from '../common/orm';
import { DeliveryKind } from '../delivery/delivery.entity';
import { DisputeOutcome, DisputeReason } from '../dispute/dispute.entity';
import { Payment, PaymentKind } from '../payment/payment.entity';

export const DEMO_PARTIES = [
  { phoneNumber: '+254712345678', name: 'Wanjiru Kamau', role: 'buyer, maize and beans' },
  { phoneNumber: '+254722000111', name: 'Otieno Odhiambo', role: 'seller, farmer in Eldoret' },
  { phoneNumber: '+254733000222', name: 'Amina Hassan', role: 'seller and buyer, Mombasa trader' },
  { phoneNumber: '+254700123456', name: 'Kiprop Cheruiyot', role: 'seller, dairy co-op' },
] as const;

const [WANJIRU, OTIENO, AMINA, KIPROP] = DEMO_PARTIES.map((p) => p.phoneNumber);
const admin: Actor = { kind: 'admin' };
const settle = systemActor('demo-seed');

/**
 * Fills an empty database with contracts in every status, driven through the same services and
 * settlement path as real traffic (no rows written by hand). Does nothing when demo data exists.
 */
export async function seedDemo(orm: Orm, deps: DomainDeps): Promise<{ created: number }> {
  const d = () => createDomain(orm.em.fork(), deps);
  if (await orm.em.fork().count(Contract, { terms: { demo: true } })) return { created: 0 };

  const days = (n: number) => new Date(Date.now() + n * 86400_000);
  const make = async (
    product: string,
    quantity: string,
    unit: string,
    amount: string,
    buyer: string,
    seller: string,
    deadline = days(30),
  ) =>
    d().contracts.create(admin, {
      product,
      quantity,
      unit,
      totalAmount: amount,
      currency: 'KES',
      deliveryLocation: 'Nairobi, Wakulima market',
      deliveryDeadline: deadline,
      terms: { demo: true },
      parties: [
        { phoneNumber: buyer, role: 'BUYER' as never, name: DEMO_PARTIES.find((p) => p.phoneNumber === buyer)!.name },
        {
          phoneNumber: seller,
          role: 'SELLER' as never,
          name: DEMO_PARTIES.find((p) => p.phoneNumber === seller)!.name,
        },
      ],
    });
  const acceptAll = async (c: { id: string }, ...phones: string[]) => {
    for (const p of phones) await d().contracts.accept(phone(p), c.id);
  };
  const payoutOf = (c: { id: string }, kind: PaymentKind) =>
    orm.em.fork().findOneOrFail(Payment, { contract: c.id, kind });
  const lock = async (c: { id: string }) => {
    const { value: payment } = await d().payments.fundEscrow(admin, c.id);
    await d().settlement.settleDeposit(payment.id, {
      state: 'SUCCEEDED',
      receipt: `DEMO${payment.id.slice(0, 6).toUpperCase()}`,
    });
    return payment;
  };

  const pending = await make('Maize', '50', 'bags', '12000.00', WANJIRU, OTIENO);
  await acceptAll(pending, OTIENO); // Wanjiru has yet to accept: try "Accept Contract"

  const confirmed = await make('Beans', '20', 'bags', '8500.00', WANJIRU, AMINA);
  await acceptAll(confirmed, WANJIRU, AMINA);

  const active = await make('Potatoes', '2.5', 'tonnes', '45000.00', WANJIRU, KIPROP);
  await acceptAll(active, WANJIRU, KIPROP);
  await lock(active); // Wanjiru can confirm delivery

  const activeSeller = await make('Milk', '300', 'litres', '15600.00', AMINA, OTIENO);
  await acceptAll(activeSeller, AMINA, OTIENO);
  await lock(activeSeller); // Otieno can report delivery as the seller

  const completed = await make('Sorghum', '10', 'bags', '6000.00', AMINA, KIPROP);
  await acceptAll(completed, AMINA, KIPROP);
  await lock(completed);
  // A release needs the buyer's PIN: a throwaway one, reset at once so Amina creates her own when she first releases.
  const once = String(randomInt(0, 10_000)).padStart(4, '0');
  const pin = weakPinReason(once) ? '2580' : once;
  await d().pins.setPin(phone(AMINA), pin);
  await d().deliveries.confirm(phone(AMINA), { contractId: completed.id, kind: DeliveryKind.FULL, pin });
  await d().pins.resetPin({ kind: 'admin' }, AMINA);
  const released = await payoutOf(completed, PaymentKind.RELEASE); // a payment row per movement (issue 11)
  await d().settlement.settlePayout(released.id, {
    state: 'SUCCEEDED',
    receipt: `DEMOREL${released.id.slice(0, 4).toUpperCase()}`,
  });

  const disputed = await make('Tomatoes', '40', 'crates', '9800.00', KIPROP, OTIENO);
  await acceptAll(disputed, KIPROP, OTIENO);
  await lock(disputed);
  await d().disputes.report(phone(KIPROP), {
    contractId: disputed.id,
    reason: DisputeReason.POOR_QUALITY,
    note: 'Half the crates were soft',
  });

  const refunded = await make('Cabbages', '100', 'heads', '3000.00', OTIENO, AMINA);
  await acceptAll(refunded, OTIENO, AMINA);
  await lock(refunded);
  const dispute = await d().disputes.report(phone(OTIENO), {
    contractId: refunded.id,
    reason: DisputeReason.NOT_DELIVERED,
  });
  await d().disputes.resolve(admin, {
    disputeId: dispute.value.id,
    outcome: DisputeOutcome.REFUND_TO_BUYER,
    note: 'Seller could not deliver',
  });
  const refund = await payoutOf(refunded, PaymentKind.REFUND);
  await d().settlement.settlePayout(refund.id, {
    state: 'SUCCEEDED',
    receipt: `DEMOREF${refund.id.slice(0, 4).toUpperCase()}`,
  });

  const failedDeposit = await make('Onions', '15', 'bags', '5200.00', OTIENO, KIPROP);
  await acceptAll(failedDeposit, OTIENO, KIPROP);
  const { value: failed } = await d().payments.fundEscrow(admin, failedDeposit.id);
  await d().settlement.settleDeposit(failed.id, { state: 'FAILED', reason: 'Request cancelled by user' });

  const cancelled = await make('Rice', '5', 'bags', '4500.00', AMINA, OTIENO);
  await d().contracts.cancel(admin, cancelled.id, 'Buyer found a closer seller');

  await make('Avocados', '200', 'pieces', '2400.00', KIPROP, AMINA, days(1));
  // Two days on, only the avocados are past their deadline.
  await createDomain(orm.em.fork(), { ...deps, now: () => days(2) }).contracts.expireOverdue(settle);

  return { created: 10 };
}

/** For the simulator's phone picker: the demo parties that exist in this database. */
export async function demoPhones(orm: Orm): Promise<Array<{ phoneNumber: string; name: string | null; role: string }>> {
  const seeded = await orm.em.fork().count(Contract, { terms: { demo: true } });
  return seeded ? DEMO_PARTIES.map((p) => ({ ...p })) : [];
}

export function describeDemoPhones(): string {
  const lines = DEMO_PARTIES.map((p) => `  ${p.phoneNumber}  ${p.name} (${p.role})`);
  return `Demo phones to try (the simulator at /simulator, or npm run ussd -- --phone <number>):\n${lines.join('\n')}\n`;
}
