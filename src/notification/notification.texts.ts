import { Language } from '../profile/profile.entity';
import { gsm7Length, SMS_LIMIT, toGsm7, truncateGsm7 } from '../common/gsm7';

/** Every text a party can receive, in each language. `{name}` slots are filled from TextVars. */
const TEXTS = {
  created: {
    EN: 'VoicePact {code}: {who} proposes you as {role}: {qty} {unit} {product}, {money}. To accept or decline, dial {ussd}, choose 1 then {code}.',
    SW: 'VoicePact {code}: {who} anakuomba uwe {role}: {qty} {unit} {product}, {money}. Kukubali au kukataa piga {ussd}, chagua 1, {code}.',
  },
  confirmedBuyer: {
    EN: 'VoicePact {code}: all parties accepted. Pay {money} into escrow: dial {ussd}, choose 1, {code}, then Pay.',
    SW: 'VoicePact {code}: wote wamekubali. Lipa {money} kwenye escrow: piga {ussd}, chagua 1, {code}, kisha Lipa.',
  },
  confirmedSeller: {
    EN: 'VoicePact {code}: all parties accepted. We will text you when the buyer has paid {money} into escrow; deliver then.',
    SW: 'VoicePact {code}: wote wamekubali. Tutakutumia SMS mnunuzi akilipa {money} kwenye escrow; kisha peleka bidhaa.',
  },
  declined: {
    EN: 'VoicePact {code}: the {role} declined the contract for {product}. It is cancelled.',
    SW: 'VoicePact {code}: {role} amekataa mkataba wa {product}. Umefutwa.',
  },
  partialDelivery: {
    EN: 'VoicePact {code}: the {role} recorded a partial delivery of {qty} {unit} {product}; {delivered} of {total} so far.',
    SW: 'VoicePact {code}: {role} amerekodi uwasilishaji wa sehemu wa {qty} {unit} {product}; {delivered} kati ya {total} hadi sasa.',
  },
  pinLocked: {
    EN: 'VoicePact: your PIN was entered wrongly {attempts} times and is locked for {minutes} minutes. Not you? Call {support}.',
    SW: 'VoicePact: PIN yako imekosewa mara {attempts} na imefungwa kwa dakika {minutes}. Si wewe? Piga {support}.',
  },
  pinReset: {
    EN: 'VoicePact: your PIN was reset by support. Set a new one next time you release a payment. Not you? Call {support}.',
    SW: 'VoicePact: PIN yako imefutwa na wahudumu. Weka mpya utakapotoa malipo. Si wewe? Piga {support}.',
  },
  smsHelp: {
    EN: 'VoicePact: dial {ussd} to create, accept, pay and confirm deals. SMS STATUS VP-XXXXXX for a contract. Help: {support}',
    SW: 'VoicePact: piga {ussd} kuunda, kukubali, kulipa na kuthibitisha mikataba. Tuma STATUS VP-XXXXXX kwa hali. Msaada: {support}',
  },
  smsStatus: {
    EN: 'VoicePact {code}: {qty} {unit} {product}, {money}. Status: {status}.',
    SW: 'VoicePact {code}: {qty} {unit} {product}, {money}. Hali: {status}.',
  },
  smsUnknown: {
    EN: 'VoicePact: no contract {code} found for your number. Dial {ussd} to see your contracts.',
    SW: 'VoicePact: hakuna mkataba {code} kwa nambari yako. Piga {ussd} kuona mikataba yako.',
  },
  createdWithFee: {
    EN: 'VoicePact {code}: you are {role} for {qty} {unit} {product}, {money}, fee {fee} ({feePayer}). To accept, dial {ussd} and choose {code}.',
    SW: 'VoicePact {code}: wewe ni {role} wa {qty} {unit} {product}, {money}, ada {fee} ({feePayer}). Kukubali, piga {ussd} uchague {code}.',
  },
  active: {
    EN: 'VoicePact {code}: {money} is now held in escrow. Seller: deliver. Buyer: when goods arrive, confirm on {ussd}.',
    SW: 'VoicePact {code}: {money} sasa imehifadhiwa. Muuzaji: peleka bidhaa. Mnunuzi: ukipokea, thibitisha kwa {ussd}.',
  },
  deliveryReported: {
    EN: 'VoicePact {code}: the seller says {product} was delivered. Dial {ussd} to confirm or report a problem, else payment is released {releaseAt}.',
    SW: 'VoicePact {code}: muuzaji anasema {product} imefika. Piga {ussd} kuthibitisha au kuripoti tatizo, la sivyo malipo yatatolewa {releaseAt}.',
  },
  releasedSeller: {
    EN: 'VoicePact {code}: {money} has been paid to your M-Pesa.',
    SW: 'VoicePact {code}: {money} imelipwa kwa M-Pesa yako.',
  },
  releasedBuyer: {
    EN: 'VoicePact {code}: {money} has been released to the seller. Thank you.',
    SW: 'VoicePact {code}: {money} imelipwa kwa muuzaji. Asante.',
  },
  refundedBuyer: {
    EN: 'VoicePact {code}: {money} has been refunded to your M-Pesa.',
    SW: 'VoicePact {code}: {money} imerudishwa kwa M-Pesa yako.',
  },
  refundedSeller: {
    EN: 'VoicePact {code}: the escrow of {money} was refunded to the buyer.',
    SW: 'VoicePact {code}: {money} imerudishwa kwa mnunuzi.',
  },
  disputeRaised: {
    EN: 'VoicePact {code}: the {role} reported a problem ({reason}). Payment is on hold until support resolves it. Help: {support}',
    SW: 'VoicePact {code}: {role} ameripoti tatizo ({reason}). Malipo yamesimamishwa hadi yatatuliwe. Msaada: {support}',
  },
  depositFailed: {
    EN: 'VoicePact {code}: your deposit did not go through ({reason}). To pay again, dial {ussd}, choose 1, {code}, then Pay.',
    SW: 'VoicePact {code}: malipo yako hayakufanikiwa ({reason}). Kulipa tena, piga {ussd}, chagua 1, {code}, kisha Lipa.',
  },
  payoutDelayed: {
    EN: 'VoicePact {code}: the payment of {money} is delayed. Support will contact you. Help: {support}',
    SW: 'VoicePact {code}: malipo ya {money} yamechelewa. Huduma kwa wateja watakupigia. Msaada: {support}',
  },
  cancelled: {
    EN: 'VoicePact {code}: the contract for {product} was cancelled.',
    SW: 'VoicePact {code}: mkataba wa {product} umesitishwa.',
  },
  loginCode: {
    EN: 'Your VoicePact code is {code}. It expires in {minutes} minutes. Never share it.',
    SW: 'Nambari yako ya VoicePact ni {code}. Itaisha baada ya dakika {minutes}. Usimpe mtu yeyote.',
  },
  // Issue 11: the delivery deadline, and the warnings before money moves by itself.
  overdueBuyer: {
    EN: 'VoicePact {code}: {qty} {unit} {product} not delivered in time. Dial {ussd} to extend 7 days or get a refund; else refund on {at}.',
    SW: 'VoicePact {code}: {qty} {unit} {product} hazijafika. Piga {ussd} kuongeza siku 7 au urudishiwe pesa; la sivyo zitarudishwa {at}.',
  },
  overdueSeller: {
    EN: 'VoicePact {code}: deadline passed with {qty} {unit} {product} due. Deliver, or {money} is refunded to the buyer on {at}.',
    SW: 'VoicePact {code}: muda umepita, {qty} {unit} {product} hazijafika. Peleka sasa au {money} itarudishwa kwa mnunuzi {at}.',
  },
  deadlineExtended: {
    EN: 'VoicePact {code}: the buyer gave you until {at} to deliver {qty} {unit} {product}.',
    SW: 'VoicePact {code}: mnunuzi amekuongezea muda hadi {at} kupeleka {qty} {unit} {product}.',
  },
  releaseWarning: {
    EN: 'VoicePact {code}: {money} goes to {name} on {at} unless you report a problem: dial {ussd}',
    SW: 'VoicePact {code}: {money} italipwa kwa {name} {at} usiporipoti tatizo: piga {ussd}',
  },
  refundWarning: {
    EN: 'VoicePact {code}: {money} goes back to the buyer on {at} unless you deliver {qty} {unit} first: dial {ussd}',
    SW: 'VoicePact {code}: {money} itarudishwa kwa mnunuzi {at} usipopeleka {qty} {unit} kwanza: piga {ussd}',
  },
  disputeResolved: {
    EN: 'VoicePact {code}: the dispute is resolved: {outcome}.',
    SW: 'VoicePact {code}: mgogoro umetatuliwa: {outcome}.',
  },
} satisfies Record<string, Record<Language, string>>;

/** Support reads English. */
const ALERTS = {
  disputeRaised: 'VoicePact ALERT {code}: dispute ({reason}) raised by the {role}. Escrow {money}.',
  payoutFailed: 'VoicePact ALERT {code}: {kind} of {money} FAILED: {reason}',
  payoutStuck: 'VoicePact ALERT {code}: {kind} of {money} unresolved ({reason}). Check M-Pesa ref {ref}.',
  depositUnmatched:
    'VoicePact ALERT: deposit {ref} of {money} received but no open payment holds it ({code}). Refund or reconcile.',
  webhookDisabled:
    'VoicePact ALERT: webhook {ref} of partner {code} failed for {reason} and was disabled. Tell the partner.',
};

export type TextKey = keyof typeof TEXTS;
export type AlertKey = keyof typeof ALERTS;
export type TextVars = Partial<
  Record<
    | 'code'
    | 'role'
    | 'qty'
    | 'unit'
    | 'product'
    | 'money'
    | 'ussd'
    | 'releaseAt'
    | 'reason'
    | 'support'
    | 'outcome'
    | 'kind'
    | 'ref'
    | 'minutes'
    | 'name'
    | 'at'
    | 'fee'
    | 'feePayer'
    | 'who'
    | 'delivered'
    | 'total'
    | 'attempts'
    | 'status',
    string
  >
>;

const WORDS: Record<string, Record<Language, string>> = {
  BUYER: { EN: 'buyer', SW: 'mnunuzi' },
  SELLER: { EN: 'seller', SW: 'muuzaji' },
  MEDIATOR: { EN: 'mediator', SW: 'msuluhishi' },
  WITNESS: { EN: 'witness', SW: 'shahidi' },
  NOT_DELIVERED: { EN: 'not delivered', SW: 'haijafika' },
  POOR_QUALITY: { EN: 'poor quality', SW: 'ubora duni' },
  WRONG_QUANTITY: { EN: 'wrong quantity', SW: 'kiasi si sahihi' },
  PAYMENT_PROBLEM: { EN: 'payment problem', SW: 'tatizo la malipo' },
  OTHER: { EN: 'other', SW: 'mengine' },
  PENDING: { EN: 'waiting for acceptance', SW: 'inasubiri kukubaliwa' },
  CONFIRMED: { EN: 'accepted, waiting for payment', SW: 'imekubaliwa, inasubiri malipo' },
  ACTIVE: { EN: 'paid into escrow, waiting for delivery', SW: 'imelipwa escrow, inasubiri uwasilishaji' },
  COMPLETED: { EN: 'completed', SW: 'imekamilika' },
  DISPUTED: { EN: 'disputed, under review', SW: 'ina mzozo, inakaguliwa' },
  CANCELLED: { EN: 'cancelled', SW: 'imefutwa' },
  EXPIRED: { EN: 'expired', SW: 'imepitwa na muda' },
  RELEASE_TO_SELLER: { EN: 'payment released to the seller', SW: 'malipo yamepelekwa kwa muuzaji' },
  SPLIT: { EN: 'payment split between seller and buyer', SW: 'malipo yamegawanywa kati ya muuzaji na mnunuzi' },
  FEE_BUYER: { EN: 'paid by the buyer', SW: 'analipa mnunuzi' },
  FEE_SELLER: { EN: 'paid by the seller', SW: 'analipa muuzaji' },
  FEE_SPLIT: { EN: 'half each', SW: 'nusu kwa nusu' },
  REFUND_TO_BUYER: { EN: 'payment refunded to the buyer', SW: 'malipo yamerudishwa kwa mnunuzi' },
};

/** An enum value (role, dispute reason, outcome) in words; any other text is left as it is. */
export const word = (value: string, lang: Language): string =>
  WORDS[value]?.[lang] ?? (/^[A-Z_]+$/.test(value) ? value.toLowerCase().replace(/_/g, ' ') : value);

/** role, reason and outcome may be given as enum values: they are put into words of the text's language. */
const inWords = (vars: TextVars, lang: Language): TextVars => ({
  ...vars,
  ...Object.fromEntries(
    (['role', 'reason', 'outcome', 'status'] as const).filter((k) => vars[k]).map((k) => [k, word(vars[k]!, lang)]),
  ),
  ...(vars.feePayer ? { feePayer: word(`FEE_${vars.feePayer}`, lang) } : {}),
});

export const text = (key: TextKey, lang: Language, vars: TextVars): string =>
  fit(TEXTS[key][lang] ?? TEXTS[key].EN, inWords(vars, lang));
export const alertText = (key: AlertKey, vars: TextVars): string => fit(ALERTS[key], inWords(vars, Language.EN));

/** Fills the template, then shortens the free-text slots (product, name, then reason) until it is one SMS. */
function fit(template: string, vars: TextVars): string {
  const clean: TextVars = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, toGsm7(String(v ?? ''))]));
  let out = fill(template, clean);
  for (const slot of ['product', 'name', 'who', 'reason'] as const) {
    const over = gsm7Length(out) - SMS_LIMIT;
    if (over <= 0 || !clean[slot]) continue;
    clean[slot] = truncateGsm7(clean[slot]!, Math.max(4, gsm7Length(clean[slot]!) - over));
    out = fill(template, clean);
  }
  return truncateGsm7(out, SMS_LIMIT);
}

const fill = (template: string, vars: TextVars) =>
  template.replace(/\{(\w+)\}/g, (_, k: keyof TextVars) => vars[k] ?? '');
