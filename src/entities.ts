/** The domain's entities; adapters that keep tables of their own (the USSD sessions) add theirs in src/server/db.ts. */
import { Contract } from './contract/contract.entity';
import { Party } from './contract/party.entity';
import { Delivery } from './delivery/delivery.entity';
import { Payment } from './payment/payment.entity';
import { Dispute } from './dispute/dispute.entity';
import { AuditEvent } from './audit/audit-event.entity';
import { Partner } from './auth/partner.entity';
import { LoginCode } from './auth/login-code.entity';
import { AuthSession } from './auth/auth-session.entity';
import { Profile } from './profile/profile.entity';
import { OutboxMessage } from './outbox/outbox-message.entity';
import { ProviderCallback } from './payment/provider-callback.entity';
import { Pin } from './pin/pin.entity';
import { InboundSms } from './notification/inbound-sms.entity';
import { WebhookEndpoint } from './webhook/webhook-endpoint.entity';
import { WebhookEvent } from './webhook/webhook-event.entity';
import { WebhookDelivery } from './webhook/webhook-delivery.entity';
import { WebhookAttempt } from './webhook/webhook-attempt.entity';
import { IdempotencyKey } from './idempotency/idempotency-key.entity';

export const entities = [
  Contract,
  Party,
  Delivery,
  Payment,
  Dispute,
  AuditEvent,
  Partner,
  LoginCode,
  AuthSession,
  Profile,
  OutboxMessage,
  ProviderCallback,
  Pin,
  InboundSms,
  WebhookEndpoint,
  WebhookEvent,
  WebhookDelivery,
  WebhookAttempt,
  IdempotencyKey,
];
