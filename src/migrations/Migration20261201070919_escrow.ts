import { Migration } from '@mikro-orm/migrations';

/** Escrow by lots (issue 11): one payment row per movement, accepted quantities, dispute splits, the deadline, fees. */
export class Migration20261201070919_escrow extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "disputes" drop constraint if exists "disputes_outcome_check";`);

    this.addSql(`alter table "payments" drop constraint if exists "payments_status_check";`);

    this.addSql(
      `alter table "contracts" add column "fee_amount" numeric(15,2) not null default 0, add column "fee_payer" varchar(6) not null default 'BUYER', add column "deadline_notified_at" timestamptz null;`,
    );

    this.addSql(
      `alter table "deliveries" add column "accepted_quantity" numeric(15,3) null, add column "idempotency_key" varchar(64) null;`,
    );
    this.addSql(
      `alter table "deliveries" add constraint "deliveries_contract_id_idempotency_key_unique" unique ("contract_id", "idempotency_key");`,
    );

    this.addSql(`alter table "disputes" add column "release_amount" numeric(15,2) null;`);
    this.addSql(
      `alter table "disputes" add constraint "disputes_outcome_check" check("outcome" in ('RELEASE_TO_SELLER', 'REFUND_TO_BUYER', 'SPLIT'));`,
    );

    this.addSql(
      `alter table "payments" add column "kind" text check ("kind" in ('DEPOSIT', 'RELEASE', 'REFUND', 'FEE')) not null default 'DEPOSIT', add column "gross_amount" numeric(15,2) null, add column "delivery_id" uuid null;`,
    );
    this.addSql(
      `alter table "payments" add constraint "payments_status_check" check("status" in ('PENDING', 'LOCKED', 'RELEASED', 'REFUNDED', 'FAILED', 'SETTLED'));`,
    );
    // Releases and refunds are rows of their own now: only deposits are one-open-per-contract.
    this.addSql(`drop index if exists "payments_one_open_per_contract";`);
    this.addSql(
      `create unique index "payments_one_open_per_contract" on "payments" ("contract_id") where "kind" = 'DEPOSIT' and "status" in ('PENDING', 'LOCKED');`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "payments_one_open_per_contract";`);
    this.addSql(
      `create unique index "payments_one_open_per_contract" on "payments" ("contract_id") where "status" in ('PENDING', 'LOCKED');`,
    );
    this.addSql(`alter table "disputes" drop constraint if exists "disputes_outcome_check";`);

    this.addSql(`alter table "payments" drop constraint if exists "payments_status_check";`);

    this.addSql(
      `alter table "contracts" drop column "fee_amount", drop column "fee_payer", drop column "deadline_notified_at";`,
    );

    this.addSql(`alter table "deliveries" drop constraint "deliveries_contract_id_idempotency_key_unique";`);
    this.addSql(`alter table "deliveries" drop column "accepted_quantity", drop column "idempotency_key";`);

    this.addSql(`alter table "disputes" drop column "release_amount";`);

    this.addSql(
      `alter table "disputes" add constraint "disputes_outcome_check" check("outcome" in ('RELEASE_TO_SELLER', 'REFUND_TO_BUYER'));`,
    );

    this.addSql(`alter table "payments" drop column "kind", drop column "gross_amount", drop column "delivery_id";`);

    this.addSql(
      `alter table "payments" add constraint "payments_status_check" check("status" in ('PENDING', 'LOCKED', 'RELEASED', 'REFUNDED', 'FAILED'));`,
    );
  }
}
