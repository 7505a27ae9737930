import { ADMIN_KEY, type TestApp } from './app';
import type { DevSmsSender } from '../../adapters/sms/dev-sms.sender';

export const BUYER = '+254712345678';
export const SELLER = '+254722000111';
export const WITNESS = '+254733000222';
export const STRANGER = '+254799888777';

export const CONTRACT_FIELDS = `id code product quantity unit totalAmount currency status deliveryLocation deliveryDeadline terms
  parties { phoneNumber role name acceptedAt }`;

export function contractInput(overrides: Record<string, unknown> = {}) {
  return {
    product: 'Maize',
    quantity: '50',
    unit: 'bags',
    totalAmount: '12000.50',
    currency: 'KES',
    deliveryLocation: 'Eldoret depot',
    deliveryDeadline: new Date(Date.now() + 7 * 86400_000).toISOString(),
    terms: { grade: 'A' },
    parties: [
      { phoneNumber: '0712345678', role: 'BUYER', name: 'Wanjiru' },
      { phoneNumber: '+254 722 000 111', role: 'SELLER', name: 'Otieno' },
    ],
    ...overrides,
  };
}

export async function createContract(app: TestApp, overrides: Record<string, unknown> = {}, token = ADMIN_KEY) {
  const res = await app.gql(
    `mutation($input: CreateContractInput!) { createContract(input: $input) { ${CONTRACT_FIELDS} } }`,
    { input: contractInput(overrides) },
    token,
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.createContract as { id: string; code: string; status: string; totalAmount: string };
}

/** Signs a phone in the way a person does: request a code, read the SMS, verify it. */
export async function loginAs(app: TestApp, phone: string): Promise<string> {
  await app.gql('mutation($p: String!) { requestLoginCode(phoneNumber: $p) }', { p: phone });
  const sms = app.running.sms as DevSmsSender;
  // Other SMS (notifications from the workers) may reach the same phone meanwhile: pick the login code's.
  const code = [...sms.sent]
    .reverse()
    .map((m) => m.to === phone && /VoicePact (?:code is|ni) (\d{6})/.exec(m.text)?.[1])
    .find(Boolean);
  if (!code) throw new Error(`no login code SMS for ${phone}`);
  const res = await app.gql(
    'mutation($p: String!, $c: String!) { verifyLoginCode(phoneNumber: $p, code: $c) { token } }',
    { p: phone, c: code },
  );
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data.verifyLoginCode.token;
}

export function errorCode(body: { errors?: Array<{ extensions?: { code?: string } }> }): string | undefined {
  return body.errors?.[0]?.extensions?.code;
}

/** The codes a GraphQL client mistake may carry (never INTERNAL_SERVER_ERROR): one list for the bad-request tests. */
export const CLIENT_MISTAKE_CODES = [
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'QUERY_TOO_COMPLEX',
  'OPERATION_RESOLUTION_FAILURE',
  'UNAUTHENTICATED',
] as const;
