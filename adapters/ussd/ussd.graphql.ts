import type { ApolloServer } from '@apollo/server';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createContext, type GraphQLContext } from '../../schema/context';
import type { Actor } from '../../src/auth/actor';
import { createDomain, type Domain, type DomainDeps } from '../../src/domain';

/**
 * Every question the menu asks, as operations on our own GraphQL schema. Module constants on purpose:
 * Apollo keeps parsed and validated documents keyed by their text, so each is parsed and validated once
 * per process. Selections ask only for what a screen shows: a list fetches from its start up to the end of
 * the page shown and asks whether more follow (pageInfo.hasNextPage), never totalCount, which costs a count.
 */
export const DOCS = {
  viewer: 'query UssdViewer { viewer { language } }',
  contracts:
    'query UssdContracts($status: [ContractStatus!], $first: Int) { contracts(status: $status, first: $first) { pageInfo { hasNextPage } nodes { id code product status } } }',
  contract:
    'query UssdContract($id: ID!) { contract(id: $id) { id code product totalAmount currency status parties { phoneNumber role acceptedAt } payments { status } } }',
  /** What the further screens of a contract need (98 More, release, partial delivery). */
  contractFull:
    'query UssdContractFull($id: ID!) { contract(id: $id) { id code product quantity unit totalAmount currency status deliveryLocation deliveryDeadline parties { phoneNumber role name acceptedAt } deliveries { kind quantity } disputes { reason status outcome } } }',
  payments:
    'query UssdPayments($first: Int) { payments(first: $first) { pageInfo { hasNextPage } nodes { id amount currency status createdAt contract { code } } } }',
  accept: 'mutation UssdAccept($id: ID!) { acceptContract(contractId: $id) { id } }',
  confirm: 'mutation UssdConfirm($input: ConfirmDeliveryInput!) { confirmDelivery(input: $input) { id acceptedAt } }',
  report: 'mutation UssdReport($input: ReportIssueInput!) { reportIssue(input: $input) { id } }',
  decline: 'mutation UssdDecline($id: ID!) { declineContract(contractId: $id) { id } }',
  fund: 'mutation UssdFund($id: ID!) { fundEscrow(contractId: $id) { id } }',
  create: 'mutation UssdCreate($input: CreateContractInput!) { createContract(input: $input) { id code } }',
  checkField:
    'query UssdCheckField($field: ContractDraftField!, $value: String!) { checkContractField(field: $field, value: $value) { ok value problem } }',
  recentProducts: 'query UssdRecentProducts { recentProducts }',
  pinState: 'query UssdPinState { viewer { pinState } }',
  setPin: 'mutation UssdSetPin($pin: String!) { setPin(pin: $pin) }',
  changePin: 'mutation UssdChangePin($old: String!, $new: String!) { changePin(oldPin: $old, newPin: $new) }',
  setLanguage: 'mutation UssdSetLanguage($language: Language!) { setLanguage(language: $language) { language } }',
} as const;

/** A GraphQL error, by its extensions.code (NOT_FOUND, INVALID_TRANSITION, ...): ussd.errors.ts words it. */
export class UssdOperationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The error's extensions (attemptsLeft of a wrong PIN, what is still due...). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'UssdOperationError';
  }
}

export interface OperationResult<T> {
  data: T;
  /** "Already done" notices of idempotent commands (a second acceptance). */
  notices: string[];
}

/**
 * Runs operations in-process as the phone that Africa's Talking gives us. All operations of one hop share
 * one forked EntityManager (made on first use, so a hop that shows a static screen forks nothing).
 */
export class UssdGraphQL {
  private domain?: Domain;

  constructor(
    private readonly apollo: ApolloServer<GraphQLContext>,
    private readonly actor: Actor,
    private readonly em: () => EntityManager,
    private readonly deps: DomainDeps,
  ) {}

  async run<T>(query: string, variables?: Record<string, unknown>): Promise<OperationResult<T>> {
    this.domain ??= createDomain(this.em(), this.deps);
    const context = createContext(this.actor, this.domain);
    const res = await this.apollo.executeOperation({ query, variables }, { contextValue: context });
    if (res.body.kind !== 'single') throw new Error('unexpected incremental GraphQL result');
    const { data, errors } = res.body.singleResult;
    if (errors?.length) {
      const code = errors[0].extensions?.code;
      throw new UssdOperationError(
        typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR',
        errors[0].message,
        errors[0].extensions ?? {},
      );
    }
    // Apollo copies the context object shallowly, so the notices array is the one our resolvers filled.
    return { data: data as T, notices: context.notices };
  }
}
