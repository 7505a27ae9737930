import { Migration } from '@mikro-orm/migrations';

/**
 * USSD (issue 3): what Africa's Talking reports at the end of a session, beside our own figures; and the
 * index the webhook uses to find a phone's latest session (continue where you left off).
 */
export class Migration20261128100000_ussd extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "ussd_sessions" add column "ended_at" timestamptz null, add column "reported_hops" int null, add column "reported_input" varchar(200) null;`,
    );
    this.addSql(
      `create index "ussd_sessions_phone_number_created_at_index" on "ussd_sessions" ("phone_number", "created_at");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index if exists "ussd_sessions_phone_number_created_at_index";`);
    this.addSql(
      `alter table "ussd_sessions" drop column "ended_at", drop column "reported_hops", drop column "reported_input";`,
    );
  }
}
