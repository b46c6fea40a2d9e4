/**
 * What a one-word text reply asks for. Carriers and Twilio know the English words; clients write
 * in their own language, so each keyword list has the equivalents in the languages our clients use.
 * Matched on the whole message, NFKC-normalised, case-folded, trimmed of punctuation.
 */
const OPT_OUT = [
  'stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout', 'opt out', 'opt-out',
  // Russian, Ukrainian
  'стоп', 'отписаться', 'отписка', 'отменить', 'хватит', 'відписатися',
  // Georgian
  'სტოპ', 'გაუქმება', 'შეწყვეტა',
  // Turkish, Azerbaijani
  'dur', 'iptal', 'durdur', 'abonelikten çık',
  // Armenian
  'ստոպ', 'դադարեցնել',
  // Arabic, Hebrew, Persian
  'توقف', 'الغاء', 'إلغاء', 'הסר', 'עצור', 'لغو',
  // Spanish, French, German, Italian, Portuguese
  'baja', 'alto', 'parar', 'arrêt', 'arret', 'désabonner', 'stopp', 'abmelden', 'basta', 'cancelar',
];
const OPT_IN = ['start', 'unstop', 'yes', 'старт', 'да', 'სტარტი', 'დიახ', 'başla', 'evet', 'ստարտ', 'այո', 'ابدأ', 'نعم', 'sí', 'si', 'oui', 'ja'];
const HELP = ['help', 'info', 'помощь', 'справка', 'დახმარება', 'yardım', 'օգնություն', 'مساعدة', 'עזרה', 'ayuda', 'aide', 'hilfe'];

export type ReplyKeyword = 'opt_out' | 'opt_in' | 'help';

// toLowerCase is the root locale's mapping (what toLocaleLowerCase('und') gives), several times
// faster: every inbound text goes through this in the web process.
const normalise = (text: string) =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();

const LISTS: [ReplyKeyword, Set<string>][] = [
  ['opt_out', new Set(OPT_OUT.map(normalise))],
  ['opt_in', new Set(OPT_IN.map(normalise))],
  ['help', new Set(HELP.map(normalise))],
];

/** The keyword a whole reply is, or null for anything else (a digit, free text). */
export function replyKeyword(text: string): ReplyKeyword | null {
  const t = normalise(text);
  for (const [kind, words] of LISTS) if (words.has(t)) return kind;
  return null;
}

/** A reply that is one reason number ("2", " 2. ", "２"), or null. */
export function replyDigit(text: string): number | null {
  const m = /^\s*(\d)\s*[.)]?\s*$/u.exec(text.normalize('NFKC'));
  return m ? Number(m[1]) : null;
}
