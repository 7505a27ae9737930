import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { createContext, type GraphQLContext } from '../../schema/context';
import { callerAddress } from '../../adapters/http/allow-list';
import { DomainError } from '../common/errors';
import type { Orm } from './db';
import { createDomain, type DomainDeps } from '../domain';

/** POST /graphql: one forked EntityManager and one authenticated caller per request. */
export async function graphqlRoute(
  router: Router,
  apollo: ApolloServer<GraphQLContext>,
  orm: Orm,
  deps: DomainDeps,
): Promise<void> {
  // @as-integrations/koa is ESM-only; a real dynamic import keeps this project CommonJS (STACK.md, trap 1).
  const { koaMiddleware } = await import('@as-integrations/koa');
  // Cast: the ESM build's ApolloServer type differs from the CommonJS one we construct; same class at run time.
  const middleware = koaMiddleware(apollo as never, {
    context: async ({ ctx }) => {
      const domain = createDomain(orm.em.fork(), { ...deps, logger: ctx.state.log ?? deps.logger });
      try {
        return createContext(
          await domain.auth.authenticate(ctx.get('authorization') || undefined),
          domain,
          callerAddress(ctx, deps.config),
        );
      } catch (err) {
        if (err instanceof DomainError && err.code === 'UNAUTHENTICATED')
          throw new GraphQLError(err.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
        throw err;
      }
    },
  });
  router.post('/graphql', bodyParser({ enableTypes: ['json'], jsonLimit: '256kb' }), middleware);
  router.get('/graphql', middleware);
}
