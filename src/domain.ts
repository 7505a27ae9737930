import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from './config';
import type { Logger } from './common/logger';
import type { SmsSender } from './notification/sms.port';
import { ContractService } from './contract/contract.service';
import { DeliveryService } from './delivery/delivery.service';
import { PaymentService } from './payment/payment.service';
import { SettlementService } from './payment/settlement.service';
import { DisputeService } from './dispute/dispute.service';
import { AuthService } from './auth/auth.service';
import { ProfileService } from './profile/profile.service';

export interface DomainDeps {
  config: Config;
  logger: Logger;
  sms: SmsSender;
  now?: () => Date;
}

/**
 * The services for one unit of work (a GraphQL request, a USSD hop, a job), all sharing one forked
 * EntityManager. Callers build it with `createDomain(orm.em.fork(), deps)`; never with the global EM.
 */
export function createDomain(em: EntityManager, deps: DomainDeps) {
  const ctx = { em, ...deps, now: deps.now ?? (() => new Date()) };
  const contracts = new ContractService(ctx);
  const payments = new PaymentService(ctx, contracts);
  return {
    em,
    contracts,
    payments,
    settlement: new SettlementService(ctx, contracts, payments),
    deliveries: new DeliveryService(ctx, contracts, payments),
    disputes: new DisputeService(ctx, contracts, payments),
    auth: new AuthService(ctx),
    profiles: new ProfileService(ctx),
  };
}

export type Domain = ReturnType<typeof createDomain>;
export type ServiceContext = DomainDeps & { em: EntityManager; now: () => Date };
