import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import { DecimalScalar } from '../scalars';
import { Connection } from './connection';
import { ContractStatus, FeePayer, PartyRole } from './enums';

@ObjectType('Party')
export class PartyType {
  @Field()
  phoneNumber!: string;

  @Field(() => PartyRole)
  role!: PartyRole;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => Date, { nullable: true })
  acceptedAt?: Date | null;
}

/** parties, deliveries, payments and disputes are field resolvers (batched) in contract.resolver.ts. */
@ObjectType('Contract')
export class ContractType {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Short, keypad-friendly reference, e.g. VP-7K3Q9D' })
  code!: string;

  @Field()
  product!: string;

  @Field(() => DecimalScalar)
  quantity!: string;

  @Field()
  unit!: string;

  @Field(() => DecimalScalar)
  totalAmount!: string;

  @Field()
  currency!: string;

  @Field(() => DecimalScalar, { description: 'The escrow fee, fixed at creation (0: none)' })
  feeAmount!: string;

  @Field(() => FeePayer)
  feePayer!: FeePayer;

  @Field(() => ContractStatus)
  status!: ContractStatus;

  @Field(() => String, { nullable: true })
  deliveryLocation?: string | null;

  @Field(() => Date, { nullable: true })
  deliveryDeadline?: Date | null;

  @Field(() => GraphQLJSONObject)
  terms!: Record<string, unknown>;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

@ObjectType()
export class ContractConnection extends Connection(ContractType, 'ContractConnection') {}

@ObjectType('FeeQuote', { description: 'The escrow fee a contract of this total would carry if created now' })
export class FeeQuoteType {
  @Field(() => DecimalScalar, { description: '0: no fee' })
  feeAmount!: string;

  @Field(() => FeePayer)
  feePayer!: FeePayer;

  @Field(() => DecimalScalar)
  buyerShare!: string;

  @Field(() => DecimalScalar)
  sellerShare!: string;

  @Field(() => DecimalScalar, { description: "What the buyer would pay into escrow: the total and the buyer's share" })
  depositAmount!: string;
}
