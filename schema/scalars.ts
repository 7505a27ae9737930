import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const DECIMAL = /^-?\d{1,15}(\.\d{1,6})?$/;

function parseDecimal(value: unknown): string {
  // A float in the request is refused: 0.1 + 0.2 is how money goes missing.
  if (typeof value !== 'string' || !DECIMAL.test(value.trim()))
    throw new GraphQLError('Decimal must be a string such as "12000.50"', { extensions: { code: 'BAD_USER_INPUT' } });
  return value.trim();
}

/** Money and quantities as exact decimal strings, both ways. */
export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'An exact decimal number as a string, e.g. "12000.50". Never a float.',
  serialize: (value) => {
    if (typeof value === 'string' && DECIMAL.test(value)) return value;
    throw new GraphQLError('Decimal values are served from strings only');
  },
  parseValue: parseDecimal,
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING)
      throw new GraphQLError('Decimal must be a string literal such as "12000.50"', {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    return parseDecimal(ast.value);
  },
});
