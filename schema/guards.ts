import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  getVariableValues,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
  type ASTVisitor,
} from 'graphql';
import depthLimit from 'graphql-depth-limit';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

/** Rejects queries nested deeper than maxDepth, at validation time. */
export const depthRule = (maxDepth: number) => depthLimit(maxDepth);

/**
 * Rejects an operation whose root type the schema lacks (a subscription here), at validation time: graphql-js only
 * finds out while executing, with an error that has no code and would be shown as an internal one.
 */
export function knownRootTypeRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (!context.getSchema().getRootType(node.operation))
        context.reportError(new GraphQLError(`This API has no ${node.operation} operations`, { nodes: node }));
    },
  };
}

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
        async didResolveOperation({ request, document, operation }) {
          if (!operation) return; // no such operation: Apollo answers OPERATION_RESOLUTION_FAILURE
          // Variables are coerced by Apollo only after this hook. getComplexity coerces them itself and throws on a
          // bad one, which Apollo turns into a 500: leave bad variables to Apollo, which names each one (400,
          // BAD_USER_INPUT). Nothing runs with variables that do not coerce, so skipping the cost here costs nothing.
          const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, {
            maxErrors: 1,
          });
          if (coerced.errors) return;
          const cost = costOf(document, request.operationName, request.variables);
          if (cost > maxCost)
            throw new GraphQLError(
              `Query cost ${cost} is over the limit of ${maxCost}; ask for fewer items or fields`,
              {
                extensions: { code: 'QUERY_TOO_COMPLEX', cost, maxCost, http: { status: 400 } },
              },
            );
        },
      };
    },
  };
}
