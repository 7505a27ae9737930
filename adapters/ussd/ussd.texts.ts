import type { Lang } from './ussd.types';

/**
 * Every word the USSD menu shows, in English and Kiswahili. The English texts quoted in issue 3 come from
 * the product's documentation and are exact. All of it is plain GSM-7 (the screen walk test checks).
 */
const EN = {
  welcome: 'Welcome to VoicePact',
  mainContracts: 'View My Contracts',
  mainDelivery: 'Confirm Delivery',
  mainPayments: 'Check Payments',
  mainHelp: 'Help & Support',
  exit: 'Exit',
  bye: 'Thank you for using VoicePact!',
  back: 'Back',
  backToMain: 'Back to Main Menu',
  mainMenu: 'Main Menu',
  more: 'More',
  invalid: 'Invalid selection. Please try again.',
  unavailable: 'Service temporarily unavailable. Please try again later.',
  rateLimited: 'Too many requests. Please try again in a minute.',

  yourContracts: 'Your Contracts:',
  noContracts: 'No active contracts found.',
  details: 'Contract Details',
  product: 'Product',
  value: 'Value',
  status: 'Status',
  confirmDelivery: 'Confirm Delivery',
  reportIssue: 'Report Issue',
  acceptContract: 'Accept Contract',
  accepted: (code: string) => `Contract ${code} accepted.\nYou will get an SMS when it is active.`,

  pickForDelivery: 'Select Contract:',
  noDeliveries: 'No contracts awaiting delivery.',
  contract: 'Contract',
  fullDelivery: 'Full Delivery',
  partialDelivery: 'Partial Delivery',
  fullByBuyer: 'Full delivery confirmed!\nSeller will be notified.\nPayment will be released.',
  fullBySeller: 'Full delivery confirmed!\nBuyer will be notified.\nPayment will be processed.',
  partialNoted: 'Partial delivery noted.',
  partialSms: 'SMS will be sent for details.',

  reasons: ['Not delivered', 'Poor quality', 'Wrong quantity', 'Payment problem', 'Other'],
  reported: 'Issue reported.\nContract marked for review.\nSupport will contact you.',

  yourPayments: 'Your Payments:',
  noPayments: 'No payments found.',
  paymentDetails: 'Payment Details',
  amount: 'Amount',
  date: 'Date',

  help: 'VoicePact Help',
  call: (phone: string) => `Call ${phone} for support`,
  sms: (code: string) => `SMS HELP to ${code}`,
  language: 'Language / Lugha',
  languageSet: 'Language: English',

  resume: 'Continue where you left off?',
  yes: 'Yes',
  no: 'No',

  /** Upper case in lists ("(ACTIVE)", the status as the API names it), capitalised on the details screen. */
  contractStatus: {
    PENDING: 'Pending',
    CONFIRMED: 'Confirmed',
    ACTIVE: 'Active',
    COMPLETED: 'Completed',
    DISPUTED: 'Disputed',
    CANCELLED: 'Cancelled',
    EXPIRED: 'Expired',
  } as Record<string, string>,
  paymentShort: {
    LOCKED: 'Held',
    PENDING: 'Pending',
    RELEASED: 'Released',
    REFUNDED: 'Refunded',
    FAILED: 'Failed',
  } as Record<string, string>,
  paymentLong: {
    LOCKED: 'Held in escrow',
    PENDING: 'Awaiting deposit',
    RELEASED: 'Released to seller',
    REFUNDED: 'Refunded to buyer',
    FAILED: 'Failed',
  } as Record<string, string>,
  months: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],

  // One END line per outcome that is not the happy path (ussd.errors.ts picks).
  alreadyAccepted: (code: string) => `You already accepted contract ${code}.`,
  alreadyDelivered: (code: string) => `Delivery for ${code} is already recorded.`,
  alreadyReported: (code: string) => `An issue on ${code} is already open. Support will contact you.`,
  notNow: (code: string) => `Contract ${code} cannot do this now.`,
  notFound: 'Contract not found.',
  forbidden: 'Only the buyer or seller can do this.',
  badInput: 'That input was not accepted. Please try again.',
  busy: 'Busy right now. Please try again shortly.',
};

export type Texts = typeof EN;

const SW: Texts = {
  welcome: 'Karibu VoicePact',
  mainContracts: 'Mikataba Yangu',
  mainDelivery: 'Thibitisha Uwasilishaji',
  mainPayments: 'Angalia Malipo',
  mainHelp: 'Msaada',
  exit: 'Ondoka',
  bye: 'Asante kwa kutumia VoicePact!',
  back: 'Rudi',
  backToMain: 'Rudi Menyu Kuu',
  mainMenu: 'Menyu Kuu',
  more: 'Zaidi',
  invalid: 'Chaguo si sahihi. Jaribu tena.',
  unavailable: 'Huduma haipatikani kwa sasa. Tafadhali jaribu tena baadaye.',
  rateLimited: 'Maombi mengi mno. Jaribu tena baada ya dakika moja.',

  yourContracts: 'Mikataba Yako:',
  noContracts: 'Hakuna mikataba hai.',
  details: 'Maelezo ya Mkataba',
  product: 'Bidhaa',
  value: 'Thamani',
  status: 'Hali',
  confirmDelivery: 'Thibitisha Uwasilishaji',
  reportIssue: 'Ripoti Tatizo',
  acceptContract: 'Kubali Mkataba',
  accepted: (code) => `Mkataba ${code} umekubaliwa.\nUtapata SMS ukianza kutumika.`,

  pickForDelivery: 'Chagua Mkataba:',
  noDeliveries: 'Hakuna mikataba inayosubiri uwasilishaji.',
  contract: 'Mkataba',
  fullDelivery: 'Uwasilishaji Kamili',
  partialDelivery: 'Uwasilishaji wa Sehemu',
  fullByBuyer: 'Uwasilishaji kamili umethibitishwa!\nMuuzaji atajulishwa.\nMalipo yatatolewa.',
  fullBySeller: 'Uwasilishaji kamili umethibitishwa!\nMnunuzi atajulishwa.\nMalipo yatashughulikiwa.',
  partialNoted: 'Uwasilishaji wa sehemu umerekodiwa.',
  partialSms: 'Utapokea SMS kwa maelezo.',

  reasons: ['Haijawasilishwa', 'Ubora duni', 'Idadi si sahihi', 'Tatizo la malipo', 'Nyingine'],
  reported: 'Tatizo limeripotiwa.\nMkataba utakaguliwa.\nWahudumu watawasiliana nawe.',

  yourPayments: 'Malipo Yako:',
  noPayments: 'Hakuna malipo.',
  paymentDetails: 'Maelezo ya Malipo',
  amount: 'Kiasi',
  date: 'Tarehe',

  help: 'Msaada wa VoicePact',
  call: (phone) => `Piga ${phone} kwa msaada`,
  sms: (code) => `Tuma SMS HELP kwa ${code}`,
  language: 'Language / Lugha',
  languageSet: 'Lugha: Kiswahili',

  resume: 'Endelea ulipoishia?',
  yes: 'Ndiyo',
  no: 'Hapana',

  contractStatus: {
    PENDING: 'Inasubiri',
    CONFIRMED: 'Imethibitishwa',
    ACTIVE: 'Hai',
    COMPLETED: 'Imekamilika',
    DISPUTED: 'Ina mzozo',
    CANCELLED: 'Imefutwa',
    EXPIRED: 'Imepitwa na muda',
  },
  paymentShort: {
    LOCKED: 'Imeshikiliwa',
    PENDING: 'Inasubiri',
    RELEASED: 'Imetolewa',
    REFUNDED: 'Imerejeshwa',
    FAILED: 'Imeshindwa',
  },
  paymentLong: {
    LOCKED: 'Imeshikiliwa (escrow)',
    PENDING: 'Inasubiri malipo',
    RELEASED: 'Imetolewa kwa muuzaji',
    REFUNDED: 'Imerejeshwa kwa mnunuzi',
    FAILED: 'Imeshindwa',
  },
  months: ['Jan', 'Feb', 'Mac', 'Apr', 'Mei', 'Jun', 'Jul', 'Ago', 'Sep', 'Okt', 'Nov', 'Des'],

  alreadyAccepted: (code) => `Tayari umekubali mkataba ${code}.`,
  alreadyDelivered: (code) => `Uwasilishaji wa ${code} umesharekodiwa.`,
  alreadyReported: (code) => `Tatizo la ${code} tayari limeripotiwa. Wahudumu watawasiliana nawe.`,
  notNow: (code) => `Mkataba ${code} hauwezi kufanya hivi sasa.`,
  notFound: 'Mkataba haukupatikana.',
  forbidden: 'Mnunuzi au muuzaji pekee ndiye anaweza kufanya hivi.',
  badInput: 'Ingizo halikukubaliwa. Jaribu tena.',
  busy: 'Kuna shughuli nyingi. Jaribu tena baadaye kidogo.',
};

export const TEXTS: Record<Lang, Texts> = { EN, SW };

export const LANGS: readonly Lang[] = ['EN', 'SW'];
