import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('ContractHistoryEntry', { description: "One step of a contract's life: who did what, when" })
export class ContractHistoryEntryType {
  @Field({ description: "'admin', 'partner:<id>', 'system:<job>' or a party's phone" })
  actor!: string;

  @Field({ description: 'created, accepted, status, deposit-locked, payout-settled, ...' })
  action!: string;

  @Field({ description: 'contract, party, delivery, payment or dispute' })
  subject!: string;

  @Field(() => ID, { nullable: true })
  subjectId?: string | null;

  @Field(() => String, { nullable: true })
  fromState?: string | null;

  @Field(() => String, { nullable: true })
  toState?: string | null;

  @Field(() => GraphQLJSONObject)
  details!: Record<string, unknown>;

  @Field(() => Date)
  createdAt!: Date;
}
