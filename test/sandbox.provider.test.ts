import pino from 'pino';
import { SandboxProvider } from '../adapters/sandbox/sandbox.provider';
import type { Logger } from '../src/common/logger';
import type { PayoutRequest, ProviderEvent } from '../src/payment/payment.provider';

const SETTLE_MS = 2000;
const deposit = {
  paymentId: 'pay-1',
  phone: '+254712345678',
  amount: '1500.00',
  currency: 'KES',
  accountReference: 'VP-7K3Q',
  description: 'Escrow',
};
const payout: PayoutRequest = {
  reference: 'PO-pay-1-R1',
  paymentId: 'pay-1',
  kind: 'RELEASE',
  phone: '+254722000111',
  amount: '1500.00',
  currency: 'KES',
  remarks: 'Release',
};

let events: ProviderEvent[];
let sandbox: SandboxProvider;

beforeEach(() => {
  jest.useFakeTimers();
  events = [];
  sandbox = new SandboxProvider({
    settleMs: SETTLE_MS,
    logger: pino({ level: 'silent' }),
    onEvent: async (e) => void events.push(e),
  });
});
afterEach(() => {
  sandbox.close();
  jest.useRealTimers();
});

it('answers a deposit at once and settles it once, after settleMs, however often it is asked', async () => {
  const first = await sandbox.startDeposit(deposit);
  await jest.advanceTimersByTimeAsync(SETTLE_MS - 1);
  expect(events).toHaveLength(0);
  expect(await sandbox.startDeposit(deposit)).toEqual(first);
  await jest.advanceTimersByTimeAsync(1);
  expect(events).toEqual([
    {
      type: 'DEPOSIT_RESULT',
      providerRef: first.providerRef,
      outcome: { state: 'SUCCEEDED', receipt: expect.stringMatching(/^SBX[A-Z2-9]{7}$/), amount: '1500.00' },
    },
  ]);
  expect(await sandbox.startDeposit(deposit)).toEqual(first);
  await jest.advanceTimersByTimeAsync(SETTLE_MS * 3);
  expect(events).toHaveLength(1);
});

it('settles a payout once per reference and answers queryPayout from memory', async () => {
  const { providerRef } = await sandbox.startPayout(payout);
  await sandbox.startPayout(payout);
  await expect(sandbox.queryPayout(payout.reference)).resolves.toEqual({ state: 'PENDING' });
  await jest.advanceTimersByTimeAsync(SETTLE_MS);
  expect(events).toHaveLength(1);
  const [event] = events;
  expect(event).toMatchObject({
    type: 'PAYOUT_RESULT',
    reference: payout.reference,
    providerRef,
    outcome: { state: 'SUCCEEDED' },
  });
  await expect(sandbox.queryPayout(payout.reference)).resolves.toEqual(event.outcome);
  await expect(sandbox.queryPayout('PO-never-seen')).resolves.toEqual({ state: 'UNKNOWN' });
});

it('keeps different references apart', async () => {
  const a = await sandbox.startPayout(payout);
  const b = await sandbox.startPayout({ ...payout, reference: 'PO-pay-1-R2' });
  expect(a.providerRef).not.toBe(b.providerRef);
  await jest.advanceTimersByTimeAsync(SETTLE_MS);
  expect(events.map((e) => (e.type === 'PAYOUT_RESULT' ? e.reference : null)).sort()).toEqual([
    'PO-pay-1-R1',
    'PO-pay-1-R2',
  ]);
});

it('delivers nothing after close()', async () => {
  await sandbox.startDeposit(deposit);
  await sandbox.startPayout(payout);
  sandbox.close();
  await jest.advanceTimersByTimeAsync(SETTLE_MS * 2);
  expect(events).toHaveLength(0);
});

it('logs a failing event handler instead of crashing the process', async () => {
  const error = jest.fn();
  const logger = { info: jest.fn(), error } as unknown as Logger;
  const failing = new SandboxProvider({
    settleMs: 10,
    logger,
    onEvent: () => Promise.reject(new Error('database down')),
  });
  await failing.startDeposit(deposit);
  await jest.advanceTimersByTimeAsync(10);
  expect(error).toHaveBeenCalledWith(
    expect.objectContaining({ err: expect.any(Error) }),
    'sandbox: event handler failed',
  );
  failing.close();
});
