import type { EntityManager } from '@mikro-orm/postgresql';
import { GraphQLError, parse, specifiedRules, validate, type GraphQLSchema, type ValidationRule } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { createContext } from '../../schema/context';
import { formatError } from '../../schema/errors';
import type { Actor } from '../../src/auth/actor';
import type { Logger } from '../../src/common/logger';
import { createDomain, type Domain, type DomainDeps } from '../../src/domain';

/**
 * Every question the menu asks, as operations on our own GraphQL schema. Module constants on purpose:
 * UssdOperations parses and validates each once per process (at start for these), keyed by its text.
 * Selections ask only for what a screen shows: a list fetches from its start up to the end of the page
 * shown and asks whether more follow (pageInfo.hasNextPage), never totalCount, which costs a count.
 */
export const DOCS = {
  viewer: 'query UssdViewer { viewer { language } }',
  contracts:
    'query UssdContracts($status: [ContractStatus!], $first: Int) { contracts(status: $status, first: $first) { pageInfo { hasNextPage } nodes { id code product status } } }',
  contract:
    'query UssdContract($id: ID!) { contract(id: $id) { id code product totalAmount currency status deliveryOverdue parties { phoneNumber role acceptedAt } payments { status } escrow { depositLeft } } }',
  /** What the further screens of a contract need (98 More, release, partial delivery). */
  contractFull:
    'query UssdContractFull($id: ID!) { contract(id: $id) { id code product quantity unit totalAmount currency status deliveryLocation deliveryDeadline feeAmount feePayer quantityDue parties { phoneNumber role name acceptedAt } deliveries { kind quantity acceptedQuantity } disputes { reason status outcome } } }',
  /** What a lot (or, without $q, all that is due) would release, before the PIN: the domain's figures. */
  lot: 'query UssdLot($id: ID!, $q: Decimal) { contract(id: $id) { id code unit currency status quantityDue releaseAmount(quantity: $q) parties { phoneNumber role name } } }',
  /** The deadline screens: what extending would set, what a refund would return for how much undelivered. */
  deadline:
    'query UssdDeadline($id: ID!) { contract(id: $id) { id code unit currency deliveryOverdue extendedDeadline quantityDue escrow { available } } }',
  extend: 'mutation UssdExtend($id: ID!) { extendDeliveryDeadline(contractId: $id) { id deliveryDeadline } }',
  refund: 'mutation UssdRefund($id: ID!, $pin: String) { refundUndelivered(contractId: $id, pin: $pin) { id } }',
  feeQuote: 'query UssdFeeQuote($total: Decimal!) { feeQuote(totalAmount: $total) { feeAmount feePayer } }',
  payments:
    'query UssdPayments($first: Int) { payments(first: $first) { pageInfo { hasNextPage } nodes { id amount currency status createdAt contract { code } } } }',
  accept: 'mutation UssdAccept($id: ID!) { acceptContract(contractId: $id) { id } }',
  confirm: 'mutation UssdConfirm($input: ConfirmDeliveryInput!) { confirmDelivery(input: $input) { id acceptedAt } }',
  report: 'mutation UssdReport($input: ReportIssueInput!) { reportIssue(input: $input) { id } }',
  decline: 'mutation UssdDecline($id: ID!) { declineContract(contractId: $id) { id } }',
  fund: 'mutation UssdFund($id: ID!) { fundEscrow(contractId: $id) { id amount currency depositPart depositParts } }',
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
 * The adapter's documents, parsed and validated once (the same rules as /graphql: graphql-js's and the
 * depth limit) and compiled by graphql-jit into a function of their own on the built schema: the same
 * resolvers and result as graphql-js `execute`, without its per-field interpretation of the document (a third
 * of a list screen's operation, measured). Apollo serves HTTP; a hop needs none of its per-request pipeline
 * (hashing the text, plugins, response formatting). The cost limit is not applied: these documents are ours
 * and their lists are bounded by the menu (`first` at most 100). Only our own texts are compiled (the compiler
 * writes code), never a caller's.
 */
export class UssdOperations {
  private readonly prepared = new Map<string, CompiledQuery>();
  private readonly format: ReturnType<typeof formatError>;

  constructor(
    readonly schema: GraphQLSchema,
    logger: Logger,
    private readonly rules: readonly ValidationRule[] = [],
  ) {
    this.format = formatError(logger);
    for (const query of Object.values(DOCS)) this.compiled(query);
  }

  /** Throws at start for a document of DOCS that does not fit the schema; a menu's own text is checked on first use. */
  compiled(query: string): CompiledQuery {
    let compiled = this.prepared.get(query);
    if (!compiled) {
      const doc = parse(query);
      const errors = validate(this.schema, doc, [...specifiedRules, ...this.rules]);
      if (errors.length) throw new Error(`USSD operation does not fit the schema: ${errors[0].message}\n${query}`);
      const result = compileQuery(this.schema, doc);
      if (!isCompiledQuery(result)) throw new Error(`USSD operation does not compile: ${result.errors?.[0]?.message}`);
      compiled = result;
      this.prepared.set(query, compiled);
    }
    return compiled;
  }

  /** The first error's public code, mapped where /graphql maps it (schema/errors.ts). */
  codeOf(error: GraphQLError): { code: string; message: string; extensions: Record<string, unknown> } {
    const formatted = this.format(error.toJSON(), error);
    const code = formatted.extensions?.code;
    return {
      code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR',
      message: formatted.message,
      // What the API would send (attemptsLeft of a wrong PIN, what is still due...): the menus word it.
      extensions: formatted.extensions ?? {},
    };
  }
}

/**
 * Runs operations in-process as the phone that Africa's Talking gives us. All operations of one hop share
 * one forked EntityManager (made on first use, so a hop that shows a static screen forks nothing).
 */
export class UssdGraphQL {
  private domain?: Domain;

  constructor(
    private readonly operations: UssdOperations,
    private readonly actor: Actor,
    private readonly em: () => EntityManager,
    private readonly deps: DomainDeps,
  ) {}

  async run<T>(query: string, variables?: Record<string, unknown>): Promise<OperationResult<T>> {
    this.domain ??= createDomain(this.em(), this.deps);
    const contextValue = createContext(this.actor, this.domain);
    const { data, errors } = await this.operations.compiled(query).query(undefined, contextValue, variables);
    if (errors?.length) {
      const { code, message, extensions } = this.operations.codeOf(errors[0]);
      throw new UssdOperationError(code, message, extensions);
    }
    return { data: data as T, notices: contextValue.notices };
  }
}
