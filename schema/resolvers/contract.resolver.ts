import type { Collection } from '@mikro-orm/core';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Lean } from '../../src/common/lean';
import { Contract } from '../../src/contract/contract.entity';
import { CONTRACT_LIST_NAMES, type ContractList } from '../../src/contract/contract.lists';
import type { ContractView } from '../../src/contract/contract.service';
import { settle, type GraphQLContext } from '../context';
import { accountOf } from '../../src/escrow/accounts';
import { depositAmountOf } from '../../src/escrow/escrow.ledger';
import { DecimalScalar } from '../scalars';
import { selectedFields } from '../selection';
import { DeliveryType, DisputeType, EscrowAccountType, PaymentType } from '../types/activity.type';
import { toConnection } from '../types/connection';
import { ContractConnection, ContractType, FeeQuoteType, PartyType } from '../types/contract.type';
import { ContractStatus, FeePayer, PartyRole } from '../types/enums';
import { ContractHistoryEntryType } from '../types/history.type';
import { CreateContractInput } from '../types/inputs';

/** Fields computed from a list, which then comes in the contract's statement too. */
const NEEDS: Record<ContractList, readonly string[]> = {
  payments: ['escrow', 'releaseAmount'],
  deliveries: ['quantityDue', 'releaseAmount'],
  disputes: [],
};

/**
 * A list the contract came with: an entity's loaded collection (a mutation's result) or the plain rows of
 * contract(id) (ContractService.get); undefined for a row of a page, whose lists the DataLoaders batch.
 */
function loaded<K extends ContractList | 'parties'>(
  c: Contract | Lean<Contract>,
  list: K,
): Array<Contract[K] extends Collection<infer T> ? T : never> | undefined {
  if (c instanceof Contract) {
    const items: Collection<object> = c[list];
    return items.isInitialized() ? (items.getItems() as never) : undefined;
  }
  const rows = (c as Partial<ContractView>)[list];
  return Array.isArray(rows) ? (rows as never) : undefined;
}

@Resolver(() => ContractType)
export class ContractResolver {
  @Query(() => ContractType, { description: 'By uuid or by code (VP-XXXXXX)' })
  contract(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext, @Info() info: GraphQLResolveInfo) {
    // One contract's screen: the lists it shows come in the contract's own statement (issue 12).
    const selected = selectedFields(info);
    const lists = CONTRACT_LIST_NAMES.filter((l) => selected.has(l) || NEEDS[l].some((f) => selected.has(f)));
    return ctx.domain.contracts.get(ctx.actor, id, lists);
  }

  @Query(() => ContractConnection, { description: 'Newest first. first is at most 100 (more is BAD_USER_INPUT).' })
  async contracts(
    @Ctx() ctx: GraphQLContext,
    @Arg('status', () => [ContractStatus], { nullable: true }) status?: ContractStatus[],
    @Arg('phoneNumber', () => String, { nullable: true }) phoneNumber?: string,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
    @Arg('role', () => PartyRole, { nullable: true, description: "phoneNumber's role (or the signed-in phone's)" })
    role?: PartyRole,
    @Arg('createdAfter', () => Date, { nullable: true, description: 'Created at or after' }) createdAfter?: Date,
    @Arg('createdBefore', () => Date, { nullable: true, description: 'Created before' }) createdBefore?: Date,
    @Arg('search', () => String, { nullable: true, description: 'Text in the product or the code' }) search?: string,
  ) {
    return toConnection(
      await ctx.domain.contracts.list(ctx.actor, {
        status,
        phoneNumber,
        first,
        after,
        role,
        createdAfter,
        createdBefore,
        search,
      }),
    );
  }

  @Query(() => FeeQuoteType, {
    description:
      'The escrow fee a contract of this total would carry if created now (feePayer: default from the configuration)',
  })
  feeQuote(
    @Arg('totalAmount', () => DecimalScalar) totalAmount: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('feePayer', () => FeePayer, { nullable: true }) feePayer?: FeePayer,
  ) {
    return ctx.domain.contracts.quoteFee(ctx.actor, totalAmount, feePayer);
  }

  @Mutation(() => ContractType)
  createContract(@Arg('input', () => CreateContractInput) input: CreateContractInput, @Ctx() ctx: GraphQLContext) {
    return ctx.domain.contracts.create(ctx.actor, { ...input, currency: input.currency ?? undefined });
  }

  @Mutation(() => ContractType, {
    description: "Records the caller's acceptance; CONFIRMED once every party has accepted",
  })
  async acceptContract(@Arg('contractId', () => ID) contractId: string, @Ctx() ctx: GraphQLContext) {
    return settle(ctx, await ctx.domain.contracts.accept(ctx.actor, contractId));
  }

  @Mutation(() => ContractType)
  async cancelContract(
    @Arg('contractId', () => ID) contractId: string,
    @Ctx() ctx: GraphQLContext,
    @Arg('reason', () => String, { nullable: true }) reason?: string,
  ) {
    return settle(ctx, await ctx.domain.contracts.cancel(ctx.actor, contractId, reason));
  }

  @Mutation(() => ContractType, {
    description: 'A party turns down a PENDING contract: cancelled as "declined by <role>", the others are texted',
  })
  async declineContract(@Arg('contractId', () => ID) contractId: string, @Ctx() ctx: GraphQLContext) {
    return settle(ctx, await ctx.domain.contracts.decline(ctx.actor, contractId));
  }

  // Roots are typed with type aliases on purpose: a class type here makes type-graphql copy every root
  // into an instance of it (for Contract, a whole entity per row).
  @FieldResolver(() => [PartyType])
  parties(@Root() c: Contract | Lean<Contract>, @Ctx() ctx: GraphQLContext) {
    return loaded(c, 'parties') ?? ctx.loaders.parties.load(c.id);
  }

  @FieldResolver(() => [DeliveryType])
  deliveries(@Root() c: Contract | Lean<Contract>, @Ctx() ctx: GraphQLContext) {
    return loaded(c, 'deliveries') ?? ctx.loaders.deliveries.load(c.id);
  }

  @FieldResolver(() => [PaymentType])
  payments(@Root() c: Contract | Lean<Contract>, @Ctx() ctx: GraphQLContext) {
    return loaded(c, 'payments') ?? ctx.loaders.payments.load(c.id);
  }

  @FieldResolver(() => DecimalScalar, {
    description: "What the buyer pays into escrow: the total and the buyer's fee share",
  })
  depositAmount(@Root() c: Contract | Lean<Contract>): string {
    return depositAmountOf(c);
  }

  @FieldResolver(() => EscrowAccountType, { description: 'The money accounts of this contract' })
  async escrow(@Root() c: Contract | Lean<Contract>, @Ctx() ctx: GraphQLContext): Promise<EscrowAccountType> {
    const rows = [...(loaded(c, 'payments') ?? (await ctx.loaders.payments.load(c.id)))].reverse(); // newest first
    const a = accountOf(rows);
    const plan = ctx.domain.payments.depositPlan(c, rows);
    const money = (d: { toFixed(n: number): string }) => d.toFixed(2);
    return {
      currency: c.currency,
      deposited: money(a.deposited),
      released: money(a.released),
      refunded: money(a.refunded),
      fees: money(a.fees),
      held: money(a.held),
      payingOut: money(a.payingOut),
      depositParts: plan.parts,
      depositPartsPaid: plan.paid,
      depositLeft: money(plan.left),
      available: money(a.available),
      payments: rows,
    };
  }

  @FieldResolver(() => DecimalScalar, {
    description:
      'What is still to be delivered: the quantity less the accepted lots (a report awaiting the buyer is not)',
  })
  async quantityDue(@Root() c: Contract | Lean<Contract>, @Ctx() ctx: GraphQLContext): Promise<string> {
    const deliveries = loaded(c, 'deliveries') ?? (await ctx.loaders.deliveries.load(c.id));
    return ctx.domain.escrow.quantityDue(c, deliveries).toFixed();
  }

  @FieldResolver(() => DecimalScalar, {
    description:
      "What the buyer's acceptance of quantity more (all that is due when omitted) would release now; " +
      'BAD_USER_INPUT (extensions.due) above what is due',
  })
  async releaseAmount(
    @Root() c: Contract | Lean<Contract>,
    @Ctx() ctx: GraphQLContext,
    @Arg('quantity', () => DecimalScalar, { nullable: true }) quantity?: string,
  ): Promise<string> {
    const [deliveries, payments] = await Promise.all([
      loaded(c, 'deliveries') ?? ctx.loaders.deliveries.load(c.id),
      loaded(c, 'payments') ?? ctx.loaders.payments.load(c.id),
    ]);
    return ctx.domain.escrow.releaseQuote(c, deliveries, payments, quantity).toFixed(2);
  }

  @FieldResolver(() => Boolean, {
    description: 'ACTIVE past its delivery deadline: the buyer may extendDeliveryDeadline or refundUndelivered',
  })
  deliveryOverdue(@Root() c: Contract | Lean<Contract>, @Ctx() ctx: GraphQLContext): boolean {
    return ctx.domain.escrow.overdue(c);
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description: 'The deadline extendDeliveryDeadline would set now; null while the deadline has not passed',
  })
  extendedDeadline(@Root() c: Contract | Lean<Contract>, @Ctx() ctx: GraphQLContext): Date | null {
    return ctx.domain.escrow.extendedDeadline(c);
  }

  @FieldResolver(() => [DisputeType])
  disputes(@Root() c: Contract | Lean<Contract>, @Ctx() ctx: GraphQLContext) {
    return loaded(c, 'disputes') ?? ctx.loaders.disputes.load(c.id);
  }

  @FieldResolver(() => [ContractHistoryEntryType], {
    description: 'Its audit events, oldest first: who did what, when',
  })
  history(@Root() c: Contract, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.history.load(c.id);
  }
}
