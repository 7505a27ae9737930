import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { ViewerType } from '../types/activity.type';
import { ContractDraftField, ContractFieldCheckType, PinState } from '../types/pin.type';

/** The VoicePact PIN, and the on-the-spot checks of a contract being drafted (the USSD New Contract flow). */
@Resolver(() => ViewerType)
export class PinResolver {
  @FieldResolver(() => PinState, { nullable: true, description: 'Null for admin and partner callers' })
  pinState(@Root() v: ViewerType, @Ctx() ctx: GraphQLContext) {
    return v.phoneNumber ? ctx.domain.pins.state(v.phoneNumber) : null;
  }

  @Mutation(() => PinState, { description: 'Sets the first VoicePact PIN (4 digits, not guessable)' })
  setPin(@Arg('pin') pin: string, @Ctx() ctx: GraphQLContext) {
    return ctx.domain.pins.setPin(ctx.actor, pin);
  }

  @Mutation(() => PinState)
  changePin(@Arg('oldPin') oldPin: string, @Arg('newPin') newPin: string, @Ctx() ctx: GraphQLContext) {
    return ctx.domain.pins.changePin(ctx.actor, oldPin, newPin);
  }

  @Mutation(() => Boolean, { description: 'Admin only: removes a forgotten PIN (audited). False when none was set.' })
  resetPin(@Arg('phoneNumber') phoneNumber: string, @Ctx() ctx: GraphQLContext) {
    return ctx.domain.pins.resetPin(ctx.actor, phoneNumber);
  }

  @Query(() => ContractFieldCheckType)
  checkContractField(
    @Arg('field', () => ContractDraftField) field: ContractDraftField,
    @Arg('value') value: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    return ctx.domain.contracts.checkDraft(ctx.actor, field, value);
  }

  @Query(() => [String], { description: "The caller's most recent products, newest first" })
  recentProducts(@Ctx() ctx: GraphQLContext) {
    return ctx.domain.contracts.recentProducts(ctx.actor);
  }
}
