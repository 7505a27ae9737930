import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, InputType } from 'type-graphql';
import { DecimalScalar } from '../scalars';
import { DeliveryKind, DisputeOutcome, DisputeReason, FeePayer, PartyRole } from './enums';

// Shape only: the rules (amounts, phones, lengths) live in the domain, so USSD and workers get them too.
@InputType()
export class PartyInput {
  @Field({ description: 'E.164 or a local form such as 0712345678 (Kenya by default)' })
  phoneNumber!: string;

  @Field(() => PartyRole)
  role!: PartyRole;

  @Field(() => String, { nullable: true })
  name?: string | null;
}

@InputType()
export class CreateContractInput {
  @Field()
  product!: string;

  @Field(() => DecimalScalar)
  quantity!: string;

  @Field()
  unit!: string;

  @Field(() => DecimalScalar, { description: 'Greater than 0, at most two decimals' })
  totalAmount!: string;

  @Field(() => String, { nullable: true, description: 'ISO 4217, default KES' })
  currency?: string | null;

  @Field(() => String, { nullable: true })
  deliveryLocation?: string | null;

  @Field(() => Date, { nullable: true })
  deliveryDeadline?: Date | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  terms?: Record<string, unknown> | null;

  @Field(() => FeePayer, { nullable: true, description: 'Who pays the escrow fee; default from the configuration' })
  feePayer?: FeePayer | null;

  @Field(() => [PartyInput])
  parties!: PartyInput[];

  @Field(() => String, {
    nullable: true,
    description:
      'Retry safely: the same key with the same input returns the first contract; with other input, CONFLICT',
  })
  idempotencyKey?: string | null;
}

@InputType()
export class ConfirmDeliveryInput {
  @Field(() => ID, { description: 'uuid or code' })
  contractId!: string;

  @Field(() => DeliveryKind)
  kind!: DeliveryKind;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: "PARTIAL: the lot's quantity; confirmed by the buyer it releases quantity x unit price at once",
  })
  quantity?: string | null;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Your key for this confirmation: sent again with the same key it changes nothing (one lot, one release)',
  })
  idempotencyKey?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The buyer's 4-digit VoicePact PIN: required when this confirmation releases money",
  })
  pin?: string | null;
}

@InputType()
export class ReportIssueInput {
  @Field(() => ID, { description: 'uuid or code' })
  contractId!: string;

  @Field(() => DisputeReason)
  reason!: DisputeReason;

  @Field(() => String, { nullable: true })
  note?: string | null;
}

@InputType()
export class ResolveDisputeInput {
  @Field(() => ID)
  disputeId!: string;

  @Field(() => DisputeOutcome, {
    nullable: true,
    description: 'RELEASE_TO_SELLER or REFUND_TO_BUYER moves all that is held; omit it when giving releaseAmount',
  })
  outcome?: DisputeOutcome | null;

  @Field(() => DecimalScalar, {
    nullable: true,
    description: 'That much of what is held goes to the seller and the rest back to the buyer, each exactly once',
  })
  releaseAmount?: string | null;

  @Field(() => String, { nullable: true })
  note?: string | null;
}
