import type { Actor } from '../src/auth/actor';
import type { Outcome } from '../src/common/outcome';
import type { Domain } from '../src/domain';
import { createLoaders, type Loaders } from './loaders';

/** One per operation: the caller, the services over one forked EntityManager, batched loaders. */
export interface GraphQLContext {
  actor: Actor;
  domain: Domain;
  loaders: Loaders;
  /** "Already done" notices of idempotent commands, returned in extensions.notices. */
  notices: string[];
  /** The caller's network address, where the transport knows it (rate limits). */
  address?: string;
}

export function createContext(actor: Actor, domain: Domain, address?: string): GraphQLContext {
  return { actor, domain, loaders: createLoaders(domain, actor), notices: [], address };
}

/** Unwraps a command's outcome, remembering its notice for the response. */
export function settle<T>(ctx: GraphQLContext, outcome: Outcome<T>): T {
  if (outcome.notice) ctx.notices.push(outcome.notice);
  return outcome.value;
}
