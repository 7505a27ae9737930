import { Migration } from '@mikro-orm/migrations';

/** VoicePact PINs (issue 9): a salted slow hash per phone, with the wrong-attempt count and the lock. */
export class Migration20261201080000_pins extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "pins" ("id" uuid not null, "phone_number" varchar(16) not null, "hash" varchar(200) not null, "failed_attempts" int not null default 0, "locked_until" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "pins_pkey" primary key ("id"));`,
    );
    this.addSql(`alter table "pins" add constraint "pins_phone_number_unique" unique ("phone_number");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "pins" cascade;`);
  }
}
