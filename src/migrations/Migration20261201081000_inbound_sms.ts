import { Migration } from '@mikro-orm/migrations';

/** Incoming SMS (issue 9), one row per provider message id so a retried message gets one reply. */
export class Migration20261201081000_inbound_sms extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "inbound_sms" ("id" uuid not null, "provider_id" varchar(100) not null, "from_phone" varchar(16) not null, "text" varchar(160) not null, "received_at" timestamptz not null, constraint "inbound_sms_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "inbound_sms" add constraint "inbound_sms_provider_id_unique" unique ("provider_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "inbound_sms" cascade;`);
  }
}
