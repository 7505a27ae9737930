import { Migration } from '@mikro-orm/migrations';

/**
 * Issue 12: every USSD hop updates its session row. With expires_at indexed (it changes every hop) and full
 * pages, each update wrote a new row version and an entry in each of the table's five indexes. Now no index
 * covers a column a hop changes, and pages keep room, so the update stays in place (HOT). The redundant
 * phone_number index goes too ((phone_number, created_at) serves it). Cleanup finds its rows through
 * created_at: the active sessions (partial index) and, for retention, the old ones.
 */
export class Migration20261201120000_ussd_sessions_hot extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index if exists "ussd_sessions_expires_at_index";`);
    this.addSql(`drop index if exists "ussd_sessions_phone_number_index";`);
    this.addSql(`create index "ussd_sessions_created_at_index" on "ussd_sessions" ("created_at");`);
    this.addSql(`create index "ussd_sessions_active_index" on "ussd_sessions" ("created_at") where "active";`);
    this.addSql(`alter table "ussd_sessions" set (fillfactor = 70);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "ussd_sessions" reset (fillfactor);`);
    this.addSql(`drop index if exists "ussd_sessions_active_index";`);
    this.addSql(`drop index if exists "ussd_sessions_created_at_index";`);
    this.addSql(`create index "ussd_sessions_phone_number_index" on "ussd_sessions" ("phone_number");`);
    this.addSql(`create index "ussd_sessions_expires_at_index" on "ussd_sessions" ("expires_at");`);
  }
}
