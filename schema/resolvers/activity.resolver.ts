import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Delivery } from '../../src/delivery/delivery.entity';
import type { Dispute } from '../../src/dispute/dispute.entity';
import type { Payment } from '../../src/payment/payment.entity';
import { settle, type GraphQLContext } from '../context';
import { DeliveryType, DisputeType, PaymentConnection, PaymentType } from '../types/activity.type';
import { toConnection } from '../types/connection';
import { ContractType } from '../types/contract.type';
import { PaymentStatus } from '../types/enums';
import { ConfirmDeliveryInput, ReportIssueInput, ResolveDisputeInput } from '../types/inputs';

/** The contract behind a delivery, payment or dispute, loaded through the caller's own visibility (batched per operation). */
const contractOf = (row: { contract: { id: string } }, ctx: GraphQLContext) =>
  ctx.loaders.contract.load(row.contract.id);

@Resolver(() => DeliveryType)
export class DeliveryResolver {
  @Mutation(() => DeliveryType, {
    description: "Buyer's FULL confirmation completes the contract and releases the escrow",
  })
  async confirmDelivery(
    @Arg('input', () => ConfirmDeliveryInput) input: ConfirmDeliveryInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    return settle(ctx, await ctx.domain.deliveries.confirm(ctx.actor, input));
  }

  @FieldResolver(() => ContractType)
  contract(@Root() d: Delivery, @Ctx() ctx: GraphQLContext) {
    return contractOf(d, ctx);
  }
}

@Resolver(() => PaymentType)
export class PaymentResolver {
  @Query(() => PaymentConnection)
  async payments(
    @Ctx() ctx: GraphQLContext,
    @Arg('contractId', () => ID, { nullable: true }) contractId?: string,
    @Arg('status', () => [PaymentStatus], { nullable: true }) status?: PaymentStatus[],
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    return toConnection(await ctx.domain.payments.list(ctx.actor, { contractId, status, first, after }));
  }

  @Mutation(() => PaymentType, { description: "Starts the buyer's escrow deposit (one at a time per contract)" })
  async fundEscrow(
    @Arg('contractId', () => ID) contractId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description: 'Retry safely: the same key for the same contract returns the first payment',
    })
    idempotencyKey?: string,
  ) {
    return settle(ctx, await ctx.domain.payments.fundEscrow(ctx.actor, contractId, idempotencyKey));
  }

  @FieldResolver(() => ContractType)
  contract(@Root() p: Payment, @Ctx() ctx: GraphQLContext) {
    return contractOf(p, ctx);
  }
}

@Resolver(() => DisputeType)
export class DisputeResolver {
  @Mutation(() => DisputeType)
  async reportIssue(@Arg('input', () => ReportIssueInput) input: ReportIssueInput, @Ctx() ctx: GraphQLContext) {
    return settle(ctx, await ctx.domain.disputes.report(ctx.actor, input));
  }

  @Mutation(() => DisputeType, { description: 'Admin only' })
  async resolveDispute(
    @Arg('input', () => ResolveDisputeInput) input: ResolveDisputeInput,
    @Ctx() ctx: GraphQLContext,
  ) {
    return settle(ctx, await ctx.domain.disputes.resolve(ctx.actor, input));
  }

  @FieldResolver(() => ContractType)
  contract(@Root() d: Dispute, @Ctx() ctx: GraphQLContext) {
    return contractOf(d, ctx);
  }
}
