import { Migration } from '@mikro-orm/migrations';

/**
 * Partners (issue 13): webhook endpoints (secrets encrypted), the events written with each change, their deliveries
 * per endpoint and every attempt; idempotency keys of createContract and fundEscrow.
 */
export class Migration20261201071310_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "idempotency_keys" ("id" bigserial primary key, "caller" varchar(64) not null, "operation" varchar(40) not null, "key" varchar(100) not null, "input_hash" varchar(64) not null, "result_id" uuid null, "created_at" timestamptz not null);`,
    );
    this.addSql(
      `alter table "idempotency_keys" add constraint "idempotency_keys_caller_operation_key_unique" unique ("caller", "operation", "key");`,
    );

    this.addSql(
      `create table "webhook_attempts" ("id" uuid not null, "endpoint_id" uuid not null, "event_id" uuid not null, "event_type" varchar(40) not null, "attempt" int not null, "succeeded" boolean not null, "status_code" int null, "response_body" text null, "error" varchar(300) null, "duration_ms" int not null, "redelivery" boolean not null default false, "created_at" timestamptz not null, constraint "webhook_attempts_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_attempts_endpoint_id_created_at_id_index" on "webhook_attempts" ("endpoint_id", "created_at", "id");`,
    );

    this.addSql(
      `create table "webhook_deliveries" ("id" uuid not null, "endpoint_id" uuid not null, "event_seq" bigint not null, "contract_id" uuid not null, "status" text check ("status" in ('PENDING', 'DELIVERED', 'GAVE_UP')) not null default 'PENDING', "attempts" int not null default 0, "next_attempt_at" timestamptz null, "finished_at" timestamptz null, "created_at" timestamptz not null, constraint "webhook_deliveries_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "webhook_deliveries_endpoint_id_contract_id_status_index" on "webhook_deliveries" ("endpoint_id", "contract_id", "status");`,
    );
    this.addSql(
      `alter table "webhook_deliveries" add constraint "webhook_deliveries_endpoint_id_event_seq_unique" unique ("endpoint_id", "event_seq");`,
    );

    this.addSql(
      `create table "webhook_endpoints" ("id" uuid not null, "partner_id" uuid not null, "url" varchar(2048) not null, "events" jsonb not null default '[]', "secret_encrypted" text not null, "failing_since" timestamptz null, "disabled_at" timestamptz null, "created_at" timestamptz not null, constraint "webhook_endpoints_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "webhook_endpoints_partner_id_index" on "webhook_endpoints" ("partner_id");`);

    this.addSql(
      `create table "webhook_events" ("seq" bigserial primary key, "id" uuid not null, "partner_id" uuid not null, "contract_id" uuid not null, "type" varchar(40) not null, "data" jsonb not null, "created_at" timestamptz not null);`,
    );
    this.addSql(`alter table "webhook_events" add constraint "webhook_events_id_unique" unique ("id");`);
    this.addSql(`create index "webhook_events_partner_id_index" on "webhook_events" ("partner_id");`);
    this.addSql(`create index "webhook_events_contract_id_seq_index" on "webhook_events" ("contract_id", "seq");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "idempotency_keys" cascade;`);

    this.addSql(`drop table if exists "webhook_attempts" cascade;`);

    this.addSql(`drop table if exists "webhook_deliveries" cascade;`);

    this.addSql(`drop table if exists "webhook_endpoints" cascade;`);

    this.addSql(`drop table if exists "webhook_events" cascade;`);
  }
}
