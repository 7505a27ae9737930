import { MpesaCallbackParseError, parseMpesaCallback } from '../../adapters/mpesa/mpesa.callbacks';

/** Daraja's callback bodies as they arrive: parsed without the service (moved from mpesa.provider.test.ts). */
describe('callback parsing', () => {
  const stk = (cb: Record<string, unknown>) => ({
    Body: { stkCallback: { MerchantRequestID: 'm-1', CheckoutRequestID: 'ws_CO_1', ...cb } },
  });

  it('reads a success whose amount arrives as a JSON number', () => {
    const body = stk({
      ResultCode: 0,
      ResultDesc: 'ok',
      CallbackMetadata: {
        Item: [
          { Name: 'Amount', Value: 1.0 },
          { Name: 'MpesaReceiptNumber', Value: 'NE10MHGI7K' },
          { Name: 'Balance' },
        ],
      },
    });
    expect(parseMpesaCallback('stk', body)).toEqual({
      type: 'DEPOSIT_RESULT',
      providerRef: 'ws_CO_1',
      outcome: { state: 'SUCCEEDED', receipt: 'NE10MHGI7K', amount: '1.00' },
    });
  });

  it('reads a failure with a string ResultCode and a single ResultParameter object', () => {
    const body = {
      Result: {
        ResultCode: '2001',
        ResultDesc: 'The initiator information is invalid.',
        OriginatorConversationID: 'PO-1',
        ConversationID: 'AG_1',
        ResultParameters: { ResultParameter: { Key: 'x', Value: 1 } },
      },
    };
    expect(parseMpesaCallback('b2c/result', body)).toEqual({
      type: 'PAYOUT_RESULT',
      reference: 'PO-1',
      providerRef: 'AG_1',
      outcome: { state: 'FAILED', reason: 'The initiator information is invalid.' },
    });
  });

  it('reads a status result for a failed payout as FAILED', () => {
    const body = {
      Result: {
        ResultCode: 0,
        ResultDesc: 'ok',
        ResultParameters: {
          ResultParameter: [
            { Key: 'TransactionStatus', Value: 'Failed' },
            { Key: 'ReasonType', Value: 'Insufficient funds' },
            { Key: 'Originator Conversation ID', Value: 'PO-2' },
          ],
        },
      },
    };
    expect(parseMpesaCallback('status/result', body)).toEqual({
      type: 'PAYOUT_RESULT',
      reference: 'PO-2',
      providerRef: null,
      outcome: { state: 'FAILED', reason: 'Insufficient funds' },
    });
  });

  it('learns nothing from a status query timeout', () => {
    expect(parseMpesaCallback('status/timeout', { Result: { ResultCode: 1 } })).toBeNull();
  });

  it.each([
    ['stk', {}, /Body/],
    ['stk', 'not an object', /body/],
    ['stk', stk({ ResultDesc: 'no code' }), /ResultCode/],
    [
      'stk',
      stk({ ResultCode: 0, ResultDesc: 'ok', CallbackMetadata: { Item: [{ Name: 'Amount', Value: 10 }] } }),
      /MpesaReceiptNumber/,
    ],
    ['b2c/result', { Result: { ResultCode: 0, ResultDesc: 'ok', TransactionID: 'T1' } }, /OriginatorConversationID/],
    ['b2c/timeout', { Body: {} }, /Result/],
    ['status/result', { Result: { ResultCode: 0, ResultDesc: 'ok' } }, /Occasion/],
  ] as const)('rejects a malformed %s body: %j', (kind, body, message) => {
    expect(() => parseMpesaCallback(kind, body)).toThrow(MpesaCallbackParseError);
    expect(() => parseMpesaCallback(kind, body)).toThrow(message);
  });
});
