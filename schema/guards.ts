import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

/** Rejects queries nested deeper than maxDepth, at validation time. */
export const depthRule = (maxDepth: number) => depthLimit(maxDepth);

/**
 * Rejects expensive queries before they run. Lists are costed by their `first` argument (default 20),
 * so `contracts(first: 100) { parties payments }` costs what it will really load.
 */
export function costLimitPlugin(schema: GraphQLSchema, maxCost: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const cost = getComplexity({
            schema,
            query: document,
            operationName: request.operationName,
            variables: request.variables,
            estimators: [
              fieldExtensionsEstimator(),
              ({ args, childComplexity }) => (typeof args.first === 'number' ? Math.min(args.first, 100) : 1) * (childComplexity + 1),
              simpleEstimator({ defaultComplexity: 1 }),
            ],
          });
          if (cost > maxCost)
            throw new GraphQLError(`Query cost ${cost} is over the limit of ${maxCost}; ask for fewer items or fields`, {
              extensions: { code: 'QUERY_TOO_COMPLEX', cost, maxCost },
            });
        },
      };
    },
  };
}
