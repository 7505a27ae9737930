import { createDomain } from '../src/domain';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/app';
import { domainOf, ensurePin, fundAndLock, system, TEST_PIN } from './support/drive';
import { BUYER, createContract, errorCode, loginAs, SELLER, WITNESS } from './support/fixtures';

let app: TestApp;
let buyer: string;
let seller: string;
beforeAll(async () => {
  app = await startTestApp('lifecycle');
  [buyer, seller] = await Promise.all([loginAs(app, BUYER), loginAs(app, SELLER)]);
  await ensurePin(app, BUYER);
});
afterAll(() => app.close());

const status = async (id: string) =>
  (await app.gql(`{ contract(id: "${id}") { status } }`, {}, ADMIN_KEY)).body.data.contract.status;
const accept = (id: string, token: string) =>
  app.gql('mutation($id: ID!) { acceptContract(contractId: $id) { status } }', { id }, token);
const cancel = (id: string, token = ADMIN_KEY) =>
  app.gql('mutation($id: ID!) { cancelContract(contractId: $id, reason: "changed mind") { status } }', { id }, token);
const confirm = (id: string, token: string, kind = 'FULL') =>
  app.gql(
    'mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { id kind acceptedAt } }',
    { i: { contractId: id, kind, pin: TEST_PIN } },
    token,
  );
const report = (id: string, token: string) =>
  app.gql(
    'mutation($i: ReportIssueInput!) { reportIssue(input: $i) { id status } }',
    { i: { contractId: id, reason: 'POOR_QUALITY' } },
    token,
  );

async function confirmed() {
  const c = await createContract(app);
  await accept(c.id, buyer);
  await accept(c.id, seller);
  return c;
}
async function active() {
  const c = await confirmed();
  await fundAndLock(app, c.id);
  return c;
}

test('PENDING -> CONFIRMED only once every party has accepted, and accepting twice is a no-op that says so', async () => {
  const c = await createContract(app, {
    parties: [
      { phoneNumber: BUYER, role: 'BUYER' },
      { phoneNumber: SELLER, role: 'SELLER' },
      { phoneNumber: WITNESS, role: 'WITNESS' },
    ],
  });
  expect((await accept(c.id, buyer)).body.data.acceptContract.status).toBe('PENDING');
  const again = await accept(c.id, buyer);
  expect(again.body.data.acceptContract.status).toBe('PENDING');
  expect(again.body.extensions.notices[0]).toMatch(/already accepted/);
  expect((await accept(c.id, seller)).body.data.acceptContract.status).toBe('PENDING');
  expect((await accept(c.id, await loginAs(app, WITNESS))).body.data.acceptContract.status).toBe('CONFIRMED');
  const audit = await domainOf(app)
    .em.getConnection()
    .execute(`select action, from_state, to_state from audit_events where contract_id = ? order by id`, [c.id]);
  expect(audit.filter((a) => a.action === 'accepted')).toHaveLength(3);
  expect(audit).toContainEqual({ action: 'status', from_state: 'PENDING', to_state: 'CONFIRMED' });
});

test("CONFIRMED -> ACTIVE when the escrow is locked; ACTIVE -> COMPLETED on the buyer's full confirmation, once", async () => {
  const c = await active();
  expect(await status(c.id)).toBe('ACTIVE');
  const first = await confirm(c.id, buyer);
  expect(first.body.data.confirmDelivery.acceptedAt).toBeTruthy();
  expect(await status(c.id)).toBe('COMPLETED');
  const again = await confirm(c.id, buyer);
  expect(again.body.data.confirmDelivery.id).toBe(first.body.data.confirmDelivery.id);
  expect(again.body.extensions.notices[0]).toMatch(/already confirmed/);
  const payouts = await domainOf(app)
    .em.getConnection()
    .execute(
      `select count(*)::int as n from outbox_messages where job_id like 'payout-%' and data->>'paymentId' in (select id::text from payments where contract_id = ?)`,
      [c.id],
    );
  expect(payouts[0].n).toBe(1);
});

test("a seller's full report waits for the buyer; partial deliveries do not complete", async () => {
  const c = await active();
  expect((await confirm(c.id, seller, 'PARTIAL')).body.data.confirmDelivery.kind).toBe('PARTIAL');
  expect((await confirm(c.id, seller)).body.data.confirmDelivery.acceptedAt).toBeNull();
  expect(await status(c.id)).toBe('ACTIVE');
  await domainOf(app).deliveries.acceptAfterWindow(system, (await confirm(c.id, seller)).body.data.confirmDelivery.id);
  expect(await status(c.id)).toBe('COMPLETED');
});

test.each(['PENDING', 'CONFIRMED', 'ACTIVE'])(
  '%s -> DISPUTED when a party reports an issue; a second report is a no-op',
  async (from) => {
    const c =
      from === 'PENDING' ? await createContract(app) : from === 'CONFIRMED' ? await confirmed() : await active();
    expect(await status(c.id)).toBe(from);
    const first = await report(c.id, seller);
    expect(first.body.data.reportIssue.status).toBe('OPEN');
    expect(await status(c.id)).toBe('DISPUTED');
    const again = await report(c.id, buyer);
    expect(again.body.data.reportIssue.id).toBe(first.body.data.reportIssue.id);
    expect(again.body.extensions.notices).toHaveLength(1);
  },
);

test.each(['PENDING', 'CONFIRMED'])('%s -> CANCELLED', async (from) => {
  const c = from === 'PENDING' ? await createContract(app) : await confirmed();
  expect((await cancel(c.id)).body.data.cancelContract.status).toBe('CANCELLED');
  expect((await cancel(c.id)).body.extensions.notices[0]).toMatch(/already cancelled/);
});

test('PENDING -> EXPIRED when the delivery deadline passes unaccepted', async () => {
  const c = await createContract(app);
  const later = () => new Date(Date.now() + 30 * 86400_000);
  const inAMonth = createDomain(app.running.orm.em.fork(), { ...app.running.domainDeps, now: later });
  const expired = await inAMonth.contracts.expireOverdue(system);
  expect(expired).toBeGreaterThanOrEqual(1);
  expect(await status(c.id)).toBe('EXPIRED');
});

describe('refused transitions answer INVALID_TRANSITION and change nothing', () => {
  test('ACTIVE cannot be cancelled', async () => {
    const c = await active();
    expect(errorCode((await cancel(c.id)).body)).toBe('INVALID_TRANSITION');
    expect(await status(c.id)).toBe('ACTIVE');
  });
  test('a PENDING or CONFIRMED contract takes no delivery', async () => {
    for (const c of [await createContract(app), await confirmed()]) {
      const before = await status(c.id);
      expect(errorCode((await confirm(c.id, buyer)).body)).toBe('INVALID_TRANSITION');
      expect(await status(c.id)).toBe(before);
    }
  });
  test('closed contracts: no acceptance, no dispute, no cancel, no funding', async () => {
    const c = await createContract(app);
    await cancel(c.id);
    expect(errorCode((await accept(c.id, buyer)).body)).toBe('INVALID_TRANSITION');
    expect(errorCode((await report(c.id, buyer)).body)).toBe('INVALID_TRANSITION');
    expect(
      errorCode(
        (await app.gql('mutation($id: ID!) { fundEscrow(contractId: $id) { id } }', { id: c.id }, ADMIN_KEY)).body,
      ),
    ).toBe('INVALID_TRANSITION');
    const done = await active();
    await confirm(done.id, buyer);
    expect(errorCode((await cancel(done.id)).body)).toBe('INVALID_TRANSITION');
    expect(errorCode((await report(done.id, seller)).body)).toBe('INVALID_TRANSITION');
  });
  test('PENDING cannot be funded', async () => {
    const c = await createContract(app);
    expect(
      errorCode(
        (await app.gql('mutation($id: ID!) { fundEscrow(contractId: $id) { id } }', { id: c.id }, ADMIN_KEY)).body,
      ),
    ).toBe('INVALID_TRANSITION');
  });
});

test('resolveDispute releases to the seller or refunds the buyer, and closes the contract', async () => {
  for (const [outcome, contractStatus, payoutKind] of [
    ['RELEASE_TO_SELLER', 'COMPLETED', 'RELEASE'],
    ['REFUND_TO_BUYER', 'CANCELLED', 'REFUND'],
  ]) {
    const c = await active();
    const dispute = (await report(c.id, buyer)).body.data.reportIssue.id;
    const q = 'mutation($i: ResolveDisputeInput!) { resolveDispute(input: $i) { status outcome } }';
    expect(errorCode((await app.gql(q, { i: { disputeId: dispute, outcome } }, buyer)).body)).toBe('FORBIDDEN');
    expect((await app.gql(q, { i: { disputeId: dispute, outcome } }, ADMIN_KEY)).body.data.resolveDispute).toEqual({
      status: 'RESOLVED',
      outcome,
    });
    expect(await status(c.id)).toBe(contractStatus);
    const rows = await domainOf(app)
      .em.getConnection()
      .execute("select payout_kind from payments where contract_id = ? and kind <> 'DEPOSIT'", [c.id]); // issue 11: a row per movement
    expect(rows).toEqual([{ payout_kind: payoutKind }]);
  }
});
