import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Config } from '../src/config';
import type { Logger } from '../src/common/logger';
import type { GraphQLContext } from './context';
import { formatError } from './errors';
import { costLimitPlugin, depthRule, knownRootTypeRule } from './guards';

/** Idempotent commands that did nothing say so here, beside the data. */
const noticesPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (response.body.kind === 'single' && contextValue.notices?.length) {
          response.body.singleResult.extensions = {
            ...response.body.singleResult.extensions,
            notices: contextValue.notices,
          };
        }
      },
    };
  },
};

export function createApolloServer(
  schema: GraphQLSchema,
  config: Config,
  logger: Logger,
): ApolloServer<GraphQLContext> {
  return new ApolloServer<GraphQLContext>({
    schema,
    validationRules: [depthRule(config.GRAPHQL_MAX_DEPTH), knownRootTypeRule],
    // Cache control (installed by default) hooks every field resolution to compute HTTP cache hints we never
    // send (POST /graphql, answers per caller): off, so fields resolve without Apollo's per-field wrapper.
    plugins: [
      costLimitPlugin(schema, config.GRAPHQL_MAX_COST),
      noticesPlugin,
      ApolloServerPluginCacheControlDisabled(),
    ],
    formatError: formatError(logger),
    includeStacktraceInErrorResponses: false,
    introspection: true,
    // We own SIGTERM: src/shutdown.ts drains HTTP, then workers, then ORM and Redis.
    stopOnTerminationSignals: false,
    logger: { debug: () => {}, info: () => {}, warn: (m) => logger.warn(m), error: (m) => logger.error(m) },
  });
}
