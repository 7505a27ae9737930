/**
 * USSD screens and SMS travel as GSM 03.38 (7-bit) text: one character outside it turns an SMS into UCS-2,
 * where a message holds only 70. Names typed into contracts may hold curly quotes, accents or emoji; a handset
 * would show them as garbage or the gateway would reject the screen. So every value shown passes through
 * here: common look-alikes become their plain form, the rest becomes '?'.
 * Characters of the extension table (€ [ ] ...) cost two septets each; we replace them too, so that the
 * length of a clean string is exactly its size on the air.
 */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const ALLOWED = new Set(BASIC);

const LOOK_ALIKES: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '`': "'",
  '\u00b4': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u2033': '"',
  '\u00ab': '"',
  '\u00bb': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\u00a0': ' ',
  '\u2007': ' ',
  '\u202f': ' ',
  '\t': ' ',
  '[': '(',
  ']': ')',
  '{': '(',
  '}': ')',
  '~': '-',
  '|': '/',
  '\\': '/',
  '^': ' ',
  '\u20ac': 'EUR',
};

/** Plain GSM-7, one line: newlines inside a value would break the screen's layout. */
export function toGsm7(input: string): string {
  let out = '';
  for (const ch of input) {
    if (ch === '\n' || ch === '\r') out += ' ';
    else if (ALLOWED.has(ch)) out += ch;
    else if (LOOK_ALIKES[ch] !== undefined) out += LOOK_ALIKES[ch];
    else {
      // Accented letters GSM-7 lacks (á, ê, ...) lose their accent; anything else (emoji, CJK) is '?'.
      const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      out += base.length > 0 && [...base].every((c) => ALLOWED.has(c)) ? base : '?';
    }
  }
  return out;
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!ALLOWED.has(ch)) return false;
  return true;
}

export const SMS_LIMIT = 160;
const EXTENDED = new Set('^{}\\[~]|\u20ac'); // two septets each (escape + character)

/** Size on the air, in septets. */
export function gsm7Length(text: string): number {
  let n = 0;
  for (const ch of text) n += EXTENDED.has(ch) ? 2 : 1;
  return n;
}

/** Cuts to at most `units` septets, ending with '.' when something was cut. */
export function truncateGsm7(text: string, units: number): string {
  if (gsm7Length(text) <= units) return text;
  let out = '';
  for (const ch of text) {
    if (gsm7Length(out + ch) > units - 1) break;
    out += ch;
  }
  return `${out.trimEnd()}.`;
}
