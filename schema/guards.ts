import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

/** Rejects queries nested deeper than maxDepth, at validation time. */
export const depthRule = (maxDepth: number) => depthLimit(maxDepth);

/**
 * Rejects expensive queries before they run. Lists are costed by their `first` argument (default 20),
 * so `contracts(first: 100) { parties payments }` costs what it will really load.
 */
export function costLimitPlugin(schema: GraphQLSchema, maxCost: number): ApolloServerPlugin {
  // The cost is a pure function of the document, operation and variables. Apollo hands the same parsed
  // document object for the same query text, so the costs of the operations a server asks again and
  // again (the USSD menu's, a client's polling) are remembered per document, for small variables only.
  const known = new WeakMap<DocumentNode, Map<string, number>>();
  const costOf = (
    document: DocumentNode,
    operationName: string | undefined,
    variables: Record<string, unknown> | undefined,
  ) => {
    const key = JSON.stringify([operationName ?? null, variables ?? null]);
    const costs = known.get(document) ?? new Map<string, number>();
    const remembered = costs.get(key);
    if (remembered !== undefined) return remembered;
    const cost = getComplexity({
      schema,
      query: document,
      operationName,
      variables,
      estimators: [
        fieldExtensionsEstimator(),
        ({ args, childComplexity }) =>
          (typeof args.first === 'number' ? Math.min(args.first, 100) : 1) * (childComplexity + 1),
        simpleEstimator({ defaultComplexity: 1 }),
      ],
    });
    if (key.length <= 512) {
      if (costs.size >= 256) costs.clear();
      costs.set(key, cost);
      known.set(document, costs);
    }
    return cost;
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const cost = costOf(document, request.operationName, request.variables);
          if (cost > maxCost)
            throw new GraphQLError(
              `Query cost ${cost} is over the limit of ${maxCost}; ask for fewer items or fields`,
              {
                extensions: { code: 'QUERY_TOO_COMPLEX', cost, maxCost },
              },
            );
        },
      };
    },
  };
}
