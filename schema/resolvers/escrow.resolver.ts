import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { settle, type GraphQLContext } from '../context';
import { ContractType } from '../types/contract.type';

/** The buyer's two choices once the delivery deadline passed with quantity due (issue 11). */
@Resolver(() => ContractType)
export class EscrowResolver {
  @Mutation(() => ContractType, {
    description: 'Buyer: move a passed delivery deadline 7 days on (the refund of what was not delivered waits)',
  })
  async extendDeliveryDeadline(@Arg('contractId', () => ID) contractId: string, @Ctx() ctx: GraphQLContext) {
    return settle(ctx, await ctx.domain.escrow.extendDeadline(ctx.actor, contractId));
  }

  @Mutation(() => ContractType, {
    description:
      'Buyer, once the delivery deadline passed: refund what was not delivered now and close the contract ' +
      '(COMPLETED when something was delivered, CANCELLED otherwise)',
  })
  async refundUndelivered(
    @Arg('contractId', () => ID) contractId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('pin', () => String, { nullable: true, description: "The buyer's VoicePact PIN (a phone user's refund)" })
    pin?: string,
  ) {
    return settle(ctx, await ctx.domain.escrow.refundUndelivered(ctx.actor, contractId, pin));
  }
}
