import { Entity, Enum, PrimaryKey, Property, OptionalProps } from '@mikro-orm/core';

export enum Language {
  EN = 'EN',
  SW = 'SW',
}

/** Per-phone preferences, created on first change. */
@Entity({ tableName: 'profiles' })
export class Profile {
  [OptionalProps]?: 'language' | 'updatedAt';

  @PrimaryKey({ type: 'string', length: 16 })
  phoneNumber!: string;

  @Enum({ items: () => Language, default: Language.EN })
  language: Language = Language.EN;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
