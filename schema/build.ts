import 'reflect-metadata';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchemaSync } from 'type-graphql';
import { DeliveryResolver, DisputeResolver, PaymentResolver } from './resolvers/activity.resolver';
import { ContractResolver } from './resolvers/contract.resolver';
import { EscrowResolver } from './resolvers/escrow.resolver';
import { PinResolver } from './resolvers/pin.resolver';
import { ViewerResolver } from './resolvers/viewer.resolver';
import { WebhookResolver } from './resolvers/webhook.resolver';

/** Built once per process; `npm run schema:emit` writes it to schema/schema.graphql. */
export function buildVoicePactSchema() {
  return buildSchemaSync({
    resolvers: [
      ContractResolver,
      DeliveryResolver,
      PaymentResolver,
      DisputeResolver,
      EscrowResolver,
      ViewerResolver,
      WebhookResolver,
      PinResolver,
    ],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false, // inputs are validated by the domain, where every transport gets the same rules
    emitSchemaFile: false,
  });
}
