import { randomInt } from 'node:crypto';

/** No 0/O, 1/I/L, 5/S, 2/Z, 8/B: codes are read aloud and typed on keypads. */
const ALPHABET = '34679ACDEFGHJKMNPQRTUVWXY';

export function newContractCode(length = 6): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return `VP-${out}`;
}

export const CONTRACT_CODE_PATTERN = new RegExp(`^VP-[${ALPHABET}]{6}$`);
