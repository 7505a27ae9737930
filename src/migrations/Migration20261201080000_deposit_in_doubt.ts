import { Migration } from '@mikro-orm/migrations';

/** Issue 10, defect 3: the STK push is marked as sent before the call, so a retry never prompts the buyer twice. */
export class Migration20261201080000_deposit_in_doubt extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "payments" add column "deposit_requested_at" timestamptz null, add column "deposit_in_doubt_at" timestamptz null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "payments" drop column "deposit_requested_at", drop column "deposit_in_doubt_at";`);
  }
}
