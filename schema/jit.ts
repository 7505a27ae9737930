import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  execute,
  GraphQLError,
  printSchema,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

/**
 * GraphQL operations compiled by graphql-jit into functions of their own: the same resolvers and results as
 * graphql-js `execute`, without its per-field interpretation of the document. The compiler writes code from
 * the document's fields and aliases (as mercurius does with callers' documents); it never sees a value.
 */
export function compileOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string | null,
): CompiledQuery | ExecutionResult {
  return compileQuery(schema, document, operationName ?? undefined);
}

export { isCompiledQuery };

/**
 * A compiled operation's result, its errors made graphql-js GraphQLErrors: graphql-jit's own pass `instanceof`
 * but lack `extensions`, which Apollo reads (and fails on, answering "Internal server error").
 */
export async function runCompiled(
  compiled: CompiledQuery,
  contextValue: unknown,
  variables: Record<string, unknown> | null | undefined,
): Promise<ExecutionResult> {
  const result = await compiled.query(undefined, contextValue, variables ?? {});
  if (!result.errors?.length) return result;
  return { ...result, errors: result.errors.map(asGraphQLError) };
}

function asGraphQLError(e: GraphQLError): GraphQLError {
  const error = new GraphQLError(e.message, {
    path: e.path,
    originalError: e.originalError ?? undefined,
    extensions: e.extensions ?? undefined,
  });
  // Where in the document: graphql-jit gives them as such, graphql-js would derive them from the nodes.
  Object.assign(error, { locations: e.locations });
  return error;
}

export interface JitOptions {
  /** Distinct operations kept compiled (least recently used out). */
  max: number;
  /**
   * The run at which an operation is compiled (the runs before go through graphql-js): a one-off document
   * never pays for compiling. 0: never compiled.
   */
  compileAfter: number;
}

/**
 * Apollo Server's executor for /graphql (Apollo Server 5 takes one only through its gateway interface; a
 * schema of our own, never federated): Apollo still parses, validates (depth, cost), runs its plugins and
 * formats errors; this only executes. An operation seen `compileAfter` times is compiled and kept.
 */
export function jitGateway(schema: GraphQLSchema, options: JitOptions): GatewayInterface {
  const operations = new LRUCache<string, number | CompiledQuery>({ max: options.max });
  const interpreted = (rc: Parameters<GatewayExecutor>[0]) =>
    execute({
      schema,
      document: rc.document,
      contextValue: rc.context,
      variableValues: rc.request.variables,
      // What the caller asked for (rc.operationName is the operation Apollo resolved, null when none).
      operationName: rc.request.operationName,
    });
  const executor: GatewayExecutor = async (rc) => {
    // No such operation in the document: graphql-js says so, and Apollo answers it as a client error.
    if (!rc.operation) return interpreted(rc);
    const key = `${rc.operationName ?? ''}:${rc.queryHash}`;
    let entry = operations.get(key);
    if (typeof entry !== 'object') {
      const runs = (entry ?? 0) + 1;
      if (options.compileAfter === 0 || runs < options.compileAfter) {
        operations.set(key, runs);
        return interpreted(rc);
      }
      const compiled = compileOperation(schema, rc.document, rc.operationName);
      if (!isCompiledQuery(compiled)) return compiled;
      operations.set(key, (entry = compiled));
    }
    // Bad variables answered as graphql-js words them (Apollo makes those BAD_USER_INPUT by their nodes).
    const coerced = getVariableValues(schema, rc.operation.variableDefinitions ?? [], rc.request.variables ?? {});
    if (coerced.errors) return { errors: coerced.errors };
    return runCompiled(entry, rc.context, rc.request.variables);
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => {};
    },
    async load() {
      return { executor };
    },
    async stop() {},
  };
}
