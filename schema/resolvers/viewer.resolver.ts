import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../context';
import { LoginSessionType, ViewerType } from '../types/activity.type';
import { Language } from '../types/enums';

@Resolver(() => ViewerType)
export class ViewerResolver {
  @Query(() => ViewerType)
  viewer(@Ctx() ctx: GraphQLContext) {
    return ctx.domain.profiles.viewer(ctx.actor);
  }

  @Mutation(() => ViewerType, { description: "The phone user's language for USSD and SMS" })
  setLanguage(@Arg('language', () => Language) language: Language, @Ctx() ctx: GraphQLContext) {
    return ctx.domain.profiles.setLanguage(ctx.actor, language);
  }

  @Mutation(() => Boolean, {
    description: 'Sends a 6-digit code by SMS. Always true: it does not reveal who is a user.',
  })
  async requestLoginCode(@Arg('phoneNumber') phoneNumber: string, @Ctx() ctx: GraphQLContext) {
    await ctx.domain.auth.requestLoginCode(phoneNumber);
    return true;
  }

  @Mutation(() => LoginSessionType)
  verifyLoginCode(@Arg('phoneNumber') phoneNumber: string, @Arg('code') code: string, @Ctx() ctx: GraphQLContext) {
    return ctx.domain.auth.verifyLoginCode(phoneNumber, code, ctx.address);
  }
}
