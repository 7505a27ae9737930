/**
 * One SMS is 160 characters of the GSM 03.38 alphabet; a single character outside it turns the whole message into
 * UCS-2, where one SMS holds only 70. So texts are kept inside the alphabet and measured in its units.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const EXTENDED = '^{}\\[~]|€'; // two units each (escape + character)
const basic = new Set(BASIC);
const extended = new Set(EXTENDED);

export const SMS_LIMIT = 160;

export function gsm7Length(text: string): number {
  let n = 0;
  for (const ch of text) n += extended.has(ch) ? 2 : 1;
  return n;
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!basic.has(ch) && !extended.has(ch)) return false;
  return true;
}

/** User-typed text (a product name) into the alphabet: accents dropped where that keeps it GSM, else '?'. */
export function toGsm7(text: string): string {
  let out = '';
  for (const ch of text.replace(/[‘’]/g, "'").replace(/[“”]/g, '"').replace(/[–—]/g, '-')) {
    if (basic.has(ch) || extended.has(ch)) out += ch;
    else {
      const plain = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      out += plain.length === 1 && basic.has(plain) ? plain : '?';
    }
  }
  return out;
}

/** Cuts to at most `units` GSM units, ending with '.' when something was cut. */
export function truncateGsm7(text: string, units: number): string {
  if (gsm7Length(text) <= units) return text;
  let out = '';
  for (const ch of text) {
    if (gsm7Length(out + ch) > units - 1) break;
    out += ch;
  }
  return `${out.trimEnd()}.`;
}
