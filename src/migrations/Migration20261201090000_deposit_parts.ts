import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 11: a deposit above M-Pesa's per-transaction limit is collected in parts, a DEPOSIT row each. One PENDING
 * deposit per contract (one STK prompt at a time) instead of one open; each part number collected at most once.
 * Deposits made before this were one part of one.
 */
export class Migration20261201090000_deposit_parts extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "payments" add column "deposit_part" smallint null, add column "deposit_parts" smallint null;`,
    );
    this.addSql(`update "payments" set "deposit_part" = 1, "deposit_parts" = 1 where "kind" = 'DEPOSIT';`);
    this.addSql(`drop index if exists "payments_one_open_per_contract";`);
    this.addSql(
      `create unique index "payments_one_pending_deposit_per_contract" on "payments" ("contract_id") where "kind" = 'DEPOSIT' and "status" = 'PENDING';`,
    );
    this.addSql(
      `create unique index "payments_deposit_part_once" on "payments" ("contract_id", "deposit_part") where "kind" = 'DEPOSIT' and "status" in ('PENDING', 'LOCKED');`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "payments_deposit_part_once";`);
    this.addSql(`drop index if exists "payments_one_pending_deposit_per_contract";`);
    // Fails while a contract holds a deposit in several parts: those must settle before going back.
    this.addSql(
      `create unique index "payments_one_open_per_contract" on "payments" ("contract_id") where "kind" = 'DEPOSIT' and "status" in ('PENDING', 'LOCKED');`,
    );
    this.addSql(`alter table "payments" drop column "deposit_part", drop column "deposit_parts";`);
  }
}
