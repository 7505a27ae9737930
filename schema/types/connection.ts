import type { ClassType } from 'type-graphql';
import { Field, Int, ObjectType } from 'type-graphql';
import type { Page } from '../../src/common/pagination';

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** `{ nodes, pageInfo, totalCount }` for any node type. */
export function Connection<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(name)
  abstract class ConnectionClass {
    @Field(() => [node])
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int)
    totalCount!: number;
  }
  return ConnectionClass;
}

/** totalCount is a getter: the count query runs only for a selection that asks for it. */
export function toConnection<T>(page: Page<T>) {
  return {
    nodes: page.nodes,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
    get totalCount() {
      return page.totalCount();
    },
  };
}
