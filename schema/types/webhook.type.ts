import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Connection } from './connection';

@InputType()
export class CreateWebhookEndpointInput {
  @Field({ description: 'HTTPS in production; private, loopback and link-local addresses are refused' })
  url!: string;

  @Field(() => [String], { nullable: true, description: 'Event types to hear; none: all of them' })
  events?: string[] | null;
}

@ObjectType('WebhookEndpoint')
export class WebhookEndpointType {
  @Field(() => ID)
  id!: string;

  @Field()
  url!: string;

  @Field(() => [String], { description: 'The event types it hears; empty: all of them' })
  events!: string[];

  @Field(() => String, {
    nullable: true,
    description: 'The signing secret: shown only by createWebhookEndpoint and rotateWebhookSecret, null elsewhere',
  })
  secret!: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'Set when it failed for 24 hours; a disabled endpoint hears nothing',
  })
  disabledAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Failing without a success since then' })
  failingSince?: Date | null;
}

@ObjectType('WebhookDelivery', { description: 'One POST of an event to an endpoint, and its answer' })
export class WebhookDeliveryType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'VoicePact-Event-Id: the same on every attempt of an event' })
  eventId!: string;

  @Field()
  eventType!: string;

  @Field(() => Int, { description: '1 for the first attempt of this event at this endpoint' })
  attempt!: number;

  @Field({ description: 'A 2xx within the timeout' })
  succeeded!: boolean;

  @Field(() => Int, { nullable: true })
  statusCode?: number | null;

  @Field(() => String, { nullable: true, description: 'The start of the answer (at most 4 KB are read)' })
  responseBody?: string | null;

  @Field(() => String, { nullable: true, description: 'Why there was no answer: timeout, refused address, ...' })
  error?: string | null;

  @Field(() => Int)
  durationMs!: number;

  @Field({ description: 'Sent by redeliverWebhookEvent' })
  redelivery!: boolean;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class WebhookDeliveryConnection extends Connection(WebhookDeliveryType, 'WebhookDeliveryConnection') {}

@ObjectType('WebhookEvent')
export class WebhookEventType {
  @Field(() => ID)
  id!: string;

  @Field()
  type!: string;

  @Field(() => ID)
  contractId!: string;

  @Field(() => Date)
  createdAt!: Date;
}
