import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum PinState {
  NOT_SET = 'NOT_SET',
  SET = 'SET',
  LOCKED = 'LOCKED',
}
registerEnumType(PinState, { name: 'PinState', description: "A phone user's VoicePact PIN" });

export enum ContractDraftField {
  COUNTERPARTY = 'COUNTERPARTY',
  PRODUCT = 'PRODUCT',
  QUANTITY = 'QUANTITY',
  UNIT = 'UNIT',
  TOTAL_AMOUNT = 'TOTAL_AMOUNT',
  DELIVERY_DAYS = 'DELIVERY_DAYS',
}
registerEnumType(ContractDraftField, { name: 'ContractDraftField' });

@ObjectType('ContractFieldCheck', { description: 'One answer of a contract being drafted, checked on the spot' })
export class ContractFieldCheckType {
  @Field()
  ok!: boolean;

  @Field(() => String, { nullable: true, description: 'The answer as the contract will hold it' })
  value!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'INVALID_PHONE, NOT_MOBILE, COUNTRY, OWN_NUMBER, BAD_NAME, BAD_NUMBER, TOO_SMALL, TOO_LARGE, NOT_WHOLE',
  })
  problem!: string | null;

  @Field(() => String, { nullable: true })
  message!: string | null;
}
