import { MpesaClient } from '../mpesa/mpesa.client';
import { MpesaProvider } from '../mpesa/mpesa.provider';
import { SandboxProvider } from '../sandbox/sandbox.provider';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/common/logger';
import type { PaymentProvider, ProviderEventHandler } from '../../src/payment/payment.provider';

export type ClosableProvider = PaymentProvider & { close?(): void };

/**
 * M-Pesa when PAYMENT_PROVIDER is mpesa (the default when its credentials are set), else the sandbox, whose
 * settlements go to `onEvent` exactly like an M-Pesa callback would. The sandbox never runs in production.
 */
export function createPaymentProvider(config: Config, logger: Logger, onEvent: ProviderEventHandler): ClosableProvider {
  if (config.PAYMENT_PROVIDER === 'mpesa') {
    return new MpesaProvider(MpesaClient.fromConfig(config, logger, { timeoutMs: config.PROVIDER_TIMEOUT_MS }), logger);
  }
  if (config.NODE_ENV === 'production')
    throw new Error('PAYMENT_PROVIDER=sandbox is refused in production: it moves no money');
  logger.warn(
    { settleMs: config.SANDBOX_SETTLE_MS },
    'payments: sandbox provider (no money moves; every payment succeeds by itself)',
  );
  return new SandboxProvider({ settleMs: config.SANDBOX_SETTLE_MS, logger, onEvent });
}
