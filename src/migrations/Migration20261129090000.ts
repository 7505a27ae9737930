import { Migration } from '@mikro-orm/migrations';

/** The inbox of provider callbacks (issue 4): received, committed, then applied at most once. */
export class Migration20261129090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "provider_callbacks" ("id" bigserial primary key, "source" varchar(30) not null, "dedupe_key" varchar(64) not null, "event" jsonb not null, "not_found" boolean not null default false, "attempts" int not null default 0, "result" varchar(20) null, "received_at" timestamptz not null, "processed_at" timestamptz null);`,
    );
    this.addSql(
      `alter table "provider_callbacks" add constraint "provider_callbacks_dedupe_key_unique" unique ("dedupe_key");`,
    );
    this.addSql(
      `create index "provider_callbacks_processed_at_id_index" on "provider_callbacks" ("processed_at", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "provider_callbacks" cascade;`);
  }
}
