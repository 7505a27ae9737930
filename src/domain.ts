import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from './config';
import type { Logger } from './common/logger';
import type { SmsSender } from './notification/sms.port';
import type { LoginGuessLimiter } from './auth/login-guesses';
import type { PaymentProvider } from './payment/payment.provider';
import { ContractService } from './contract/contract.service';
import { DeliveryService } from './delivery/delivery.service';
import { PaymentService } from './payment/payment.service';
import { SettlementService } from './payment/settlement.service';
import { DisputeService } from './dispute/dispute.service';
import { AuthService } from './auth/auth.service';
import { ProfileService } from './profile/profile.service';
import { DepositService } from './payment/deposit.service';
import { PayoutService } from './payment/payout.service';
import { ProviderInbox } from './payment/provider-inbox.service';
import { NotificationService } from './notification/notification.service';
import { HousekeepingService } from './housekeeping/housekeeping.service';
import { PinService } from './pin/pin.service';
import { InboundSmsService } from './notification/inbound-sms.service';
import { WebhookService } from './webhook/webhook.service';
import { WebhookDeliveryService } from './webhook/webhook-delivery.service';
import type { ResolveHost } from './webhook/webhook.http';
import { HistoryService } from './audit/history.service';
import { EscrowService } from './escrow/escrow.service';

export interface DomainDeps {
  config: Config;
  logger: Logger;
  sms: SmsSender;
  /** Where money moves (M-Pesa or the sandbox). Only the workers and the callback routes use it. */
  provider?: PaymentProvider;
  now?: () => Date;
  /** Name resolution for webhook URLs (the system resolver unless a test points names elsewhere). */
  resolveHost?: ResolveHost;
  /** Wrong login codes per phone and address (Redis); without it only the per-code limit applies (scripts). */
  loginGuesses?: LoginGuessLimiter;
  /**
   * A fresh EntityManager on a pool of its own, for a transaction that must commit apart from the unit of work's
   * (src/server/db.ts openSeparatePool says why). Without it (scripts), a fork of the unit of work's.
   */
  separateEm?: () => EntityManager;
}

/**
 * The services for one unit of work (a GraphQL request, a USSD hop, a job), all sharing one forked
 * EntityManager. Callers build it with `createDomain(orm.em.fork(), deps)`; never with the global EM.
 */
export function createDomain(em: EntityManager, deps: DomainDeps) {
  const ctx = { em, ...deps, now: deps.now ?? (() => new Date()) };
  const contracts = new ContractService(ctx);
  const payments = new PaymentService(ctx, contracts);
  const settlement = new SettlementService(ctx, contracts, payments);
  const payouts = new PayoutService(ctx, settlement);
  const pins = new PinService(ctx);
  const deliveries = new DeliveryService(ctx, contracts, payments, pins);
  const profiles = new ProfileService(ctx);
  return {
    em,
    contracts,
    payments,
    settlement,
    deliveries,
    disputes: new DisputeService(ctx, contracts, payments),
    auth: new AuthService(ctx, profiles),
    profiles,
    pins,
    // Issue 4: what the workers and the provider callbacks run.
    deposits: new DepositService(ctx, settlement),
    payouts,
    inbox: new ProviderInbox(ctx, settlement, payouts),
    notifications: new NotificationService(ctx, profiles),
    inboundSms: new InboundSmsService(ctx),
    housekeeping: new HousekeepingService(ctx, contracts, deliveries),
    // Issue 13: partners' webhooks and contract history.
    webhooks: new WebhookService(ctx),
    webhookDeliveries: new WebhookDeliveryService(ctx),
    history: new HistoryService(ctx),
    // Issue 11: the delivery deadline (notice, extension, refund of what was not delivered).
    escrow: new EscrowService(ctx, contracts, payments, pins),
  };
}

export type Domain = ReturnType<typeof createDomain>;
export type ServiceContext = DomainDeps & { em: EntityManager; now: () => Date };
