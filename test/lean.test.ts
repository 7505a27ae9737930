import { phoneActor } from '../src/auth/actor';
import type { Actor } from '../src/auth/actor';
import { contractScope, contractScopeWhere } from '../src/auth/policy';
import { randomUUID } from 'node:crypto';
import { andAnyOf, leanFind, leanOfContracts, leanPage, leanWithLists, type Lean } from '../src/common/lean';
import { CONTRACT_LISTS } from '../src/contract/contract.lists';
import { domainOf } from './support/drive';
import { afterCursor, type Cursor } from '../src/common/pagination';
import { Contract } from '../src/contract/contract.entity';
import { PartyRole } from '../src/contract/contract.enums';
import { Delivery, DeliveryKind } from '../src/delivery/delivery.entity';
import { Dispute, DisputeReason } from '../src/dispute/dispute.entity';
import { Payment } from '../src/payment/payment.entity';
import { countSqlStatements } from '../src/server/sql-statements';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { activeContract, confirmedContract, newPhone, pendingContract } from './support/ussd-fixtures';

/**
 * The lists of a contract (parties, payments, deliveries, disputes) are read as one named prepared statement
 * (src/common/lean.ts leanOfContracts), and a phone's own lists as another (leanPage with the policy's scope as
 * SQL): they must be exactly the plain rows the query builder gives under the policy's filter.
 */
const sent = countSqlStatements();
let app: TestApp;
let withLists: { id: string };
beforeAll(async () => {
  app = await startTestApp('lean_reads');
});
afterAll(() => app.close());

test('leanOfContracts returns what leanFind returns, for any number of contracts, in order', async () => {
  const a = await activeContract(app, { buyer: newPhone(), seller: newPhone(), quantity: '10' });
  const b = await confirmedContract(app, { buyer: newPhone(), seller: newPhone() });
  const em = app.running.orm.em.fork();
  const contract = em.getReference(Contract, a.id);
  const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 8, 0, s));
  em.create(Delivery, {
    contract,
    kind: DeliveryKind.PARTIAL,
    quantity: '4',
    reportedBy: '+254700000001',
    reporterRole: PartyRole.SELLER,
    createdAt: at(1),
  });
  em.create(Delivery, {
    contract,
    kind: DeliveryKind.PARTIAL,
    quantity: '2.5',
    note: 'the rest next week',
    reportedBy: '+254700000001',
    reporterRole: PartyRole.SELLER,
    acceptedAt: at(3),
    acceptedQuantity: '2.5',
    createdAt: at(2),
  });
  // Written in the same instant as the one before (as a RELEASE and its FEE are): the id orders them alike everywhere.
  em.create(Delivery, {
    contract,
    kind: DeliveryKind.PARTIAL,
    quantity: '1',
    reportedBy: '+254700000001',
    reporterRole: PartyRole.SELLER,
    createdAt: at(2),
  });
  em.create(Dispute, { contract, reason: DisputeReason.WRONG_QUANTITY, raisedBy: '+254700000002', createdAt: at(4) });
  await em.flush();

  const read = app.running.orm.em.fork();
  for (const ids of [[a.id], [a.id, b.id], [b.id, a.id], []]) {
    const where = { contract: { $in: ids } };
    // Each list in the order production reads it (src/contract/contract.lists.ts).
    for (const l of Object.values(CONTRACT_LISTS))
      expect(await leanOfContracts<object>(read, l.entity, ids, l.orderBy as never)).toEqual(
        await leanFind<object>(read, l.entity, where, { orderBy: Object.fromEntries(l.orderBy) }),
      );
  }
  const deliveries = await leanOfContracts(
    read,
    Delivery,
    [a.id],
    [
      ['createdAt', 'asc'],
      ['id', 'asc'],
    ],
  );
  // Decimals stay decimal strings, dates are dates, the contract is a reference.
  expect(deliveries.slice(0, 1).map((d) => [d.quantity, d.acceptedQuantity, d.contract])).toEqual([
    ['4.000', null, { id: a.id }],
  ]);
  const lot = deliveries.find((d) => d.quantity === '2.500')!;
  expect([lot.acceptedQuantity, lot.acceptedAt, lot.contract]).toEqual(['2.500', at(3), { id: a.id }]);
  const tied = deliveries.slice(1).map((d) => d.id);
  expect(tied).toEqual([...tied].sort());
  withLists = a;
});

const LISTS = `parties { phoneNumber role acceptedAt } payments { kind amount status createdAt }
  deliveries { kind quantity acceptedQuantity acceptedAt note } disputes { reason status }
  escrow { deposited held payments { amount } }`;

test('contract(id) brings the lists it is asked for in its own statement, the same as a list of contracts shows', async () => {
  const before = sent();
  const one = await app.gql(`query($id: ID!) { contract(id: $id) { id ${LISTS} } }`, { id: withLists.id }, ADMIN_KEY);
  expect(sent() - before).toBe(1);
  const page = await app.gql(`{ contracts(first: 100) { nodes { id ${LISTS} } } }`, {}, ADMIN_KEY);
  const node = page.body.data.contracts.nodes.find((n: { id: string }) => n.id === withLists.id);
  expect(one.body.errors).toBeUndefined();
  expect(one.body.data.contract).toEqual(node);
  expect(node.deliveries).toHaveLength(3);
  expect(node.disputes).toHaveLength(1);
  expect(node.payments.length).toBeGreaterThan(0);
  expect(node.escrow.held).toBe('12000.50');
});

test("the lists as prepared statements give what the policy's filter gives, for each kind of actor, page by page, ties included", async () => {
  const phone = newPhone();
  const other = newPhone();
  const mine = [
    await pendingContract(app, { buyer: phone, seller: newPhone() }),
    await confirmedContract(app, { buyer: newPhone(), seller: phone, totalAmount: '3000' }),
    await activeContract(app, { buyer: phone, seller: newPhone(), totalAmount: '4000' }),
    await activeContract(app, { buyer: phone, seller: newPhone(), totalAmount: '5000' }),
    await pendingContract(app, { buyer: phone, seller: newPhone() }),
  ];
  const theirs = await activeContract(app, { buyer: other, seller: newPhone(), totalAmount: '6000' }); // not the phone's
  // Two of them (and their payments) written in one instant: the id orders them, in both and across a cursor.
  const tie = new Date(Date.UTC(2026, 11, 1, 9, 0, 0));
  const em = app.running.orm.em.fork();
  await em
    .getConnection()
    .execute('update contracts set created_at = ? where id in (?, ?)', [tie, mine[2].id, mine[3].id]);
  await em
    .getConnection()
    .execute('update payments set created_at = ? where contract_id in (?, ?)', [tie, mine[2].id, mine[3].id]);

  // Two of the phone's contracts and the other phone's came from a partner.
  const partner: Actor = { kind: 'partner', partnerId: randomUUID() };
  await em
    .getConnection()
    .execute(`update contracts set created_by = ? where id in (?, ?, ?)`, [
      `partner:${(partner as { partnerId: string }).partnerId}`,
      mine[1].id,
      mine[3].id,
      theirs.id,
    ]);

  const read = app.running.orm.em.fork();
  const order = { orderBy: { createdAt: 'desc', id: 'desc' } } as const;
  let pages = 0;
  for (const actor of [phoneActor(phone), partner, { kind: 'admin' } as Actor]) {
    const scope = contractScope(actor);
    for (const status of [undefined, ['ACTIVE'], ['PENDING', 'CONFIRMED']])
      for (const limit of [1, 2, 100]) {
        let after: Cursor | null = null;
        for (;;) {
          const contracts: Array<Lean<Contract>> = await leanPage(read, Contract, {
            ...andAnyOf(contractScopeWhere(actor, 'id'), 'status', status),
            after,
            limit,
          });
          const contractWhere = { $and: [scope, status ? { status: { $in: status } } : {}, afterCursor(after)] };
          expect(contracts).toEqual(await leanFind(read, Contract, contractWhere, { ...order, limit }));
          const payments = await leanPage(read, Payment, {
            ...andAnyOf(contractScopeWhere(actor, 'contract_id'), 'status', status && ['LOCKED']),
            after,
            limit,
            join: { property: 'contract', entity: Contract },
          });
          const paymentWhere = {
            $and: [{ contract: scope }, status ? { status: { $in: ['LOCKED'] } } : {}, afterCursor(after)],
          };
          expect(payments).toEqual(
            await leanFind(read, Payment, paymentWhere, { ...order, limit, join: ['contract'] }),
          );
          pages++;
          const last = contracts.at(-1);
          if (!last || contracts.length < limit) break;
          after = { createdAt: last.createdAt, id: last.id };
        }
      }
  }
  expect(pages).toBeGreaterThan(30);
  const page = (actor: Actor) =>
    leanPage(read, Contract, { ...contractScopeWhere(actor, 'id'), after: null, limit: 100 });
  expect((await page(phoneActor(phone))).map((c) => c.id).sort()).toEqual(mine.map((c) => c.id).sort());
  expect((await page(partner)).map((c) => c.id).sort()).toEqual([mine[1].id, mine[3].id, theirs.id].sort());
  expect((await page({ kind: 'admin' })).length).toBeGreaterThan(mine.length + 1);
  const paid = await leanPage(read, Payment, {
    ...contractScopeWhere(phoneActor(phone), 'contract_id'),
    after: null,
    limit: 100,
    join: { property: 'contract', entity: Contract },
  });
  expect(paid.length).toBeGreaterThanOrEqual(2);
  expect(paid.every((p) => p.contract.id !== undefined && mine.some((c) => c.id === p.contract.id))).toBe(true);
});

test("leanWithLists gives the contract's row as leanFind does and each list as its DataLoader does", async () => {
  const read = app.running.orm.em.fork();
  const lists = Object.values(CONTRACT_LISTS);
  const byId = { name: 'by id', where: 'e0."id" = $1::uuid', values: [withLists.id] };
  const one = await leanWithLists(read, Contract, byId, lists);
  const { parties, payments, deliveries, disputes, ...row } = one!;
  expect(row).toEqual((await leanFind(read, Contract, { id: withLists.id }))[0]);
  for (const l of lists)
    expect(one![l.property]).toEqual(await leanOfContracts<object>(read, l.entity, [withLists.id], l.orderBy as never));
  expect([parties, payments, deliveries, disputes].map((l) => (l as unknown[]).length)).toEqual([2, 1, 3, 1]);
  expect(await leanWithLists(read, Contract, { ...byId, values: [randomUUID()] }, lists)).toBeNull();

  // Through the service, by code as by id; another phone is told it does not exist.
  const contracts = domainOf(app).contracts;
  const code = (row as { code: string }).code;
  const seller = (parties as Array<{ phoneNumber: string; role: string }>).find((p) => p.role === 'SELLER')!;
  expect((await contracts.get(phoneActor(seller.phoneNumber), code.toLowerCase(), ['payments'])).payments).toEqual(
    payments,
  );
  await expect(contracts.get(phoneActor(newPhone()), withLists.id)).rejects.toMatchObject({
    code: 'CONTRACT_NOT_FOUND',
  });
});
