import { Field, ID, Int, ObjectType } from 'type-graphql';
import { DecimalScalar } from '../scalars';
import { Connection } from './connection';
import {
  DeliveryKind,
  DisputeOutcome,
  DisputeReason,
  DisputeStatus,
  Language,
  PaymentKind,
  PaymentStatus,
} from './enums';

/** `contract` on each of these is a field resolver in activity.resolver.ts. */
@ObjectType('Delivery')
export class DeliveryType {
  @Field(() => ID)
  id!: string;

  @Field(() => DeliveryKind)
  kind!: DeliveryKind;

  @Field(() => DecimalScalar, { nullable: true })
  quantity?: string | null;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field({ description: 'Phone number of the party who reported it' })
  reportedBy!: string;

  @Field(() => Date, { nullable: true, description: 'When the delivery was accepted (buyer or release window)' })
  acceptedAt?: Date | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'The quantity paid for when it was accepted' })
  acceptedQuantity?: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType('Payment')
export class PaymentType {
  @Field(() => ID)
  id!: string;

  @Field(() => PaymentKind)
  kind!: PaymentKind;

  @Field(() => DecimalScalar)
  amount!: string;

  @Field()
  currency!: string;

  @Field(() => PaymentStatus)
  status!: PaymentStatus;

  @Field(() => Int, {
    nullable: true,
    description: "A DEPOSIT: which part of the buyer's deposit it collects, from 1 (see depositParts)",
  })
  depositPart?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'A DEPOSIT: how many parts (M-Pesa transactions, one STK prompt each, one after the other) the whole deposit ' +
      'takes: above MPESA_MAX_TRANSACTION_KES it is collected in parts',
  })
  depositParts?: number | null;

  @Field(() => String, { nullable: true, description: 'The accepted delivery (lot) a RELEASE pays for' })
  deliveryId?: string | null;

  @Field()
  payer!: string;

  @Field()
  payee!: string;

  @Field(() => String, { nullable: true })
  failureReason?: string | null;

  @Field(() => String, { nullable: true, description: "M-Pesa's receipt number of the buyer's deposit" })
  depositReceipt?: string | null;

  @Field(() => String, { nullable: true, description: "M-Pesa's receipt number of the payout (release or refund)" })
  payoutReceipt?: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;
}

/** A contract's escrow in figures (src/escrow/accounts.ts): deposited = released + refunded + fees + held. */
@ObjectType('EscrowAccount')
export class EscrowAccountType {
  @Field()
  currency!: string;

  @Field(() => DecimalScalar, { description: "The buyer's collected deposits" })
  deposited!: string;

  @Field(() => DecimalScalar, { description: 'Paid to the seller (settled by M-Pesa)' })
  released!: string;

  @Field(() => DecimalScalar, { description: 'Paid back to the buyer (settled by M-Pesa)' })
  refunded!: string;

  @Field(() => DecimalScalar)
  fees!: string;

  @Field(() => DecimalScalar, { description: 'Still in escrow, including payingOut' })
  held!: string;

  @Field(() => DecimalScalar, { description: 'Releases and refunds decided and on their way (part of held)' })
  payingOut!: string;

  @Field(() => Int, {
    description:
      "How many M-Pesa transactions the buyer's deposit takes, each within MPESA_MAX_TRANSACTION_KES: one STK " +
      'prompt each, the next once the previous is paid',
  })
  depositParts!: number;

  @Field(() => Int, { description: 'Of depositParts, those collected: the contract is ACTIVE once all are' })
  depositPartsPaid!: number;

  @Field(() => DecimalScalar, {
    description: "What the buyer's deposit still lacks (the sum of the parts not yet collected; 0 once all is in)",
  })
  depositLeft!: string;

  @Field(() => DecimalScalar, {
    description: 'held less payingOut: what a new decision may still move (refundUndelivered returns all of it)',
  })
  available!: string;

  @Field(() => [PaymentType], { description: 'The movements behind the figures, oldest first, each with its receipt' })
  payments!: PaymentType[];
}

@ObjectType()
export class PaymentConnection extends Connection(PaymentType, 'PaymentConnection') {}

@ObjectType('Dispute')
export class DisputeType {
  @Field(() => ID)
  id!: string;

  @Field(() => DisputeReason)
  reason!: DisputeReason;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => DisputeStatus)
  status!: DisputeStatus;

  @Field()
  raisedBy!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  resolvedAt?: Date | null;

  @Field(() => DisputeOutcome, { nullable: true })
  outcome?: DisputeOutcome | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Released to the seller by the resolution' })
  releaseAmount?: string | null;

  @Field(() => String, { nullable: true })
  resolution?: string | null;
}

@ObjectType('Viewer')
export class ViewerType {
  @Field(() => String, { nullable: true, description: 'Null for admin and partner callers' })
  phoneNumber!: string | null;

  @Field(() => Language)
  language!: Language;
}

@ObjectType('LoginSession')
export class LoginSessionType {
  @Field({ description: 'Send as Authorization: Bearer <token>' })
  token!: string;

  @Field(() => Date)
  expiresAt!: Date;

  @Field()
  phoneNumber!: string;
}
