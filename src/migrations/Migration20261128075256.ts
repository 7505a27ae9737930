import { Migration } from '@mikro-orm/migrations';

export class Migration20261128075256 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "audit_events" ("id" bigserial primary key, "contract_id" uuid null, "subject" varchar(20) not null, "subject_id" uuid null, "actor" varchar(64) not null, "action" varchar(40) not null, "from_state" varchar(20) null, "to_state" varchar(20) null, "details" jsonb not null default '{}', "created_at" timestamptz not null);`,
    );
    this.addSql(`create index "audit_events_contract_id_index" on "audit_events" ("contract_id");`);

    this.addSql(
      `create table "auth_sessions" ("id" uuid not null, "phone_number" varchar(16) not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "created_at" timestamptz not null, constraint "auth_sessions_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "auth_sessions" add constraint "auth_sessions_token_hash_unique" unique ("token_hash");`);

    this.addSql(
      `create table "contracts" ("id" uuid not null, "code" varchar(12) not null, "product" varchar(60) not null, "quantity" numeric(15,3) not null, "unit" varchar(20) not null, "total_amount" numeric(15,2) not null, "currency" varchar(3) not null default 'KES', "delivery_location" varchar(120) null, "delivery_deadline" timestamptz null, "terms" jsonb not null default '{}', "status" text check ("status" in ('PENDING', 'CONFIRMED', 'ACTIVE', 'COMPLETED', 'DISPUTED', 'CANCELLED', 'EXPIRED')) not null default 'PENDING', "created_by" varchar(64) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "contracts_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "contracts" add constraint "contracts_code_unique" unique ("code");`);
    this.addSql(`create index "contracts_status_index" on "contracts" ("status");`);
    this.addSql(`create index "contracts_created_by_index" on "contracts" ("created_by");`);
    this.addSql(`create index "contracts_created_at_index" on "contracts" ("created_at");`);

    this.addSql(
      `create table "deliveries" ("id" uuid not null, "contract_id" uuid not null, "kind" text check ("kind" in ('FULL', 'PARTIAL')) not null, "quantity" numeric(15,3) null, "note" varchar(280) null, "reported_by" varchar(16) not null, "reporter_role" text check ("reporter_role" in ('BUYER', 'SELLER', 'MEDIATOR', 'WITNESS')) not null, "accepted_at" timestamptz null, "accepted_by" varchar(64) null, "created_at" timestamptz not null, constraint "deliveries_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "deliveries_contract_id_index" on "deliveries" ("contract_id");`);

    this.addSql(
      `create table "disputes" ("id" uuid not null, "contract_id" uuid not null, "reason" text check ("reason" in ('NOT_DELIVERED', 'POOR_QUALITY', 'WRONG_QUANTITY', 'PAYMENT_PROBLEM', 'OTHER')) not null, "note" varchar(280) null, "status" text check ("status" in ('OPEN', 'RESOLVED')) not null default 'OPEN', "raised_by" varchar(16) not null, "outcome" text check ("outcome" in ('RELEASE_TO_SELLER', 'REFUND_TO_BUYER')) null, "resolution" varchar(280) null, "resolved_by" varchar(64) null, "resolved_at" timestamptz null, "created_at" timestamptz not null, constraint "disputes_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "disputes_contract_id_index" on "disputes" ("contract_id");`);
    this.addSql(`create index "disputes_status_index" on "disputes" ("status");`);

    this.addSql(
      `create table "login_codes" ("id" uuid not null, "phone_number" varchar(16) not null, "code_hash" varchar(64) not null, "attempts" int not null default 0, "expires_at" timestamptz not null, "consumed_at" timestamptz null, "created_at" timestamptz not null, constraint "login_codes_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "login_codes_phone_number_index" on "login_codes" ("phone_number");`);

    this.addSql(
      `create table "outbox_messages" ("id" bigserial primary key, "queue" varchar(40) not null, "name" varchar(60) not null, "job_id" varchar(120) not null, "data" jsonb not null, "delay_ms" int not null default 0, "relayed_at" timestamptz null, "created_at" timestamptz not null);`,
    );
    this.addSql(`alter table "outbox_messages" add constraint "outbox_messages_job_id_unique" unique ("job_id");`);
    this.addSql(`create index "outbox_messages_relayed_at_id_index" on "outbox_messages" ("relayed_at", "id");`);

    this.addSql(
      `create table "partners" ("id" uuid not null, "name" varchar(80) not null, "key_hash" varchar(64) not null, "revoked_at" timestamptz null, "created_at" timestamptz not null, constraint "partners_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "partners" add constraint "partners_key_hash_unique" unique ("key_hash");`);

    this.addSql(
      `create table "parties" ("id" uuid not null, "contract_id" uuid not null, "phone_number" varchar(16) not null, "role" text check ("role" in ('BUYER', 'SELLER', 'MEDIATOR', 'WITNESS')) not null, "name" varchar(80) null, "accepted_at" timestamptz null, constraint "parties_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "parties_phone_number_index" on "parties" ("phone_number");`);
    this.addSql(
      `alter table "parties" add constraint "parties_contract_id_phone_number_unique" unique ("contract_id", "phone_number");`,
    );

    this.addSql(
      `create table "payments" ("id" uuid not null, "contract_id" uuid not null, "amount" numeric(15,2) not null, "currency" varchar(3) not null, "status" text check ("status" in ('PENDING', 'LOCKED', 'RELEASED', 'REFUNDED', 'FAILED')) not null default 'PENDING', "payer" varchar(16) not null, "payee" varchar(16) not null, "provider" varchar(16) not null, "deposit_ref" varchar(100) null, "deposit_receipt" varchar(100) null, "payout_ref" varchar(100) null, "payout_provider_ref" varchar(100) null, "payout_receipt" varchar(100) null, "payout_kind" varchar(10) null, "payout_requested_at" timestamptz null, "failure_reason" varchar(280) null, "locked_at" timestamptz null, "settled_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "payments_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "payments_contract_id_index" on "payments" ("contract_id");`);
    this.addSql(`create index "payments_status_index" on "payments" ("status");`);
    this.addSql(`alter table "payments" add constraint "payments_deposit_ref_unique" unique ("deposit_ref");`);
    this.addSql(`alter table "payments" add constraint "payments_payout_ref_unique" unique ("payout_ref");`);

    this.addSql(
      `create table "profiles" ("phone_number" varchar(16) not null, "language" text check ("language" in ('EN', 'SW')) not null default 'EN', "updated_at" timestamptz not null, constraint "profiles_pkey" primary key ("phone_number"));`,
    );

    this.addSql(
      `create table "ussd_sessions" ("id" uuid not null, "session_id" varchar(100) not null, "phone_number" varchar(16) not null, "current_menu" varchar(40) not null default 'main', "context" jsonb not null default '{}', "last_input" text null, "last_response" text null, "active" boolean not null default true, "hops" int not null default 0, "end_status" varchar(20) null, "duration_ms" int null, "cost" varchar(40) null, "error_message" varchar(200) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "expires_at" timestamptz not null, constraint "ussd_sessions_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "ussd_sessions" add constraint "ussd_sessions_session_id_unique" unique ("session_id");`);
    this.addSql(`create index "ussd_sessions_phone_number_index" on "ussd_sessions" ("phone_number");`);
    this.addSql(`create index "ussd_sessions_expires_at_index" on "ussd_sessions" ("expires_at");`);

    this.addSql(
      `alter table "deliveries" add constraint "deliveries_contract_id_foreign" foreign key ("contract_id") references "contracts" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "disputes" add constraint "disputes_contract_id_foreign" foreign key ("contract_id") references "contracts" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "parties" add constraint "parties_contract_id_foreign" foreign key ("contract_id") references "contracts" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "payments" add constraint "payments_contract_id_foreign" foreign key ("contract_id") references "contracts" ("id") on update cascade on delete cascade;`,
    );

    // One deposit at a time per contract, and one open dispute: races end in a unique violation, not two rows.
    this.addSql(
      `create unique index "payments_one_open_per_contract" on "payments" ("contract_id") where "status" in ('PENDING', 'LOCKED');`,
    );
    this.addSql(
      `create unique index "disputes_one_open_per_contract" on "disputes" ("contract_id") where "status" = 'OPEN';`,
    );
  }
}
