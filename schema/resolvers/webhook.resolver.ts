import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { WebhookEndpoint } from '../../src/webhook/webhook-endpoint.entity';
import type { GraphQLContext } from '../context';
import { toConnection } from '../types/connection';
import {
  CreateWebhookEndpointInput,
  WebhookDeliveryConnection,
  WebhookEndpointType,
  WebhookEventType,
} from '../types/webhook.type';

/** The entity as the API shows it: never the stored (encrypted) secret; the clear one only when just made. */
const shown = (e: WebhookEndpoint, secret: string | null = null): WebhookEndpointType => ({
  id: e.id,
  url: e.url,
  events: e.events,
  secret,
  createdAt: e.createdAt,
  disabledAt: e.disabledAt ?? null,
  failingSince: e.failingSince ?? null,
});

/** Partners' webhook endpoints (issue 13): a partner key only, and only its own endpoints. */
@Resolver(() => WebhookEndpointType)
export class WebhookResolver {
  @Query(() => [WebhookEndpointType])
  async webhookEndpoints(@Ctx() ctx: GraphQLContext) {
    return (await ctx.domain.webhooks.list(ctx.actor)).map((e) => shown(e));
  }

  @Query(() => WebhookDeliveryConnection, { description: 'Every attempt to the endpoint and its answer, newest first' })
  async webhookDeliveries(
    @Arg('endpointId', () => ID) endpointId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return toConnection(await ctx.domain.webhooks.deliveries(ctx.actor, endpointId, { first, after }));
  }

  @Mutation(() => WebhookEndpointType, { description: 'The result carries the signing secret, shown only here' })
  async createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    const { endpoint, secret } = await ctx.domain.webhooks.create(ctx.actor, input);
    return shown(endpoint, secret);
  }

  @Mutation(() => Boolean)
  deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return ctx.domain.webhooks.delete(ctx.actor, id);
  }

  @Mutation(() => WebhookEndpointType, { description: 'A new signing secret, shown only here; the old one stops now' })
  async rotateWebhookSecret(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    const { endpoint, secret } = await ctx.domain.webhooks.rotateSecret(ctx.actor, id);
    return shown(endpoint, secret);
  }

  @Mutation(() => WebhookEventType, {
    description: "Sends the event once more to each of the partner's endpoints that hear it",
  })
  redeliverWebhookEvent(@Arg('eventId', () => ID) eventId: string, @Ctx() ctx: GraphQLContext) {
    return ctx.domain.webhooks.redeliver(ctx.actor, eventId);
  }
}
