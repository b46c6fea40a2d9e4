/**
 * What a one-word text reply asks for, and in which language it was written. Carriers and Twilio
 * know the English words; clients write in their own language, so each language has its words,
 * and the one confirmation we send back is in the language the client used (keywordConfirmation).
 * Matched on the whole message, NFKC-normalised, case-folded, trimmed of punctuation.
 */
export type ReplyKeyword = 'opt_out' | 'opt_in' | 'help';

/** The languages whose keywords we know (ISO 639-1). */
export type KeywordLanguage = 'en' | 'ru' | 'uk' | 'ka' | 'tr' | 'hy' | 'ar' | 'he' | 'fa' | 'es' | 'fr' | 'de' | 'it' | 'pt';

/**
 * Each language's words. A word two languages share is listed once, under the language first in
 * this table that uses it ("cancelar": Spanish, not Portuguese; "si": Spanish, not Italian).
 */
const KEYWORDS: Record<KeywordLanguage, Record<ReplyKeyword, string[]>> = {
  en: { opt_out: ['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout', 'opt out', 'opt-out'], opt_in: ['start', 'unstop', 'yes'], help: ['help', 'info'] },
  ru: { opt_out: ['стоп', 'отписаться', 'отписка', 'отменить', 'хватит'], opt_in: ['старт', 'да'], help: ['помощь', 'справка'] },
  uk: { opt_out: ['відписатися', 'скасувати'], opt_in: ['так'], help: ['допомога'] },
  ka: { opt_out: ['სტოპ', 'გაუქმება', 'შეწყვეტა'], opt_in: ['სტარტი', 'დიახ'], help: ['დახმარება'] },
  // Turkish (the words serve Azerbaijani clients too)
  tr: { opt_out: ['dur', 'iptal', 'durdur', 'abonelikten çık'], opt_in: ['başla', 'evet'], help: ['yardım'] },
  hy: { opt_out: ['ստոպ', 'դադարեցնել'], opt_in: ['ստարտ', 'այո'], help: ['օգնություն'] },
  ar: { opt_out: ['توقف', 'الغاء', 'إلغاء'], opt_in: ['ابدأ', 'نعم'], help: ['مساعدة'] },
  he: { opt_out: ['הסר', 'עצור'], opt_in: ['כן'], help: ['עזרה'] },
  fa: { opt_out: ['لغو'], opt_in: ['بله'], help: ['راهنما'] },
  es: { opt_out: ['baja', 'alto', 'cancelar', 'parar'], opt_in: ['sí', 'si', 'alta'], help: ['ayuda'] },
  fr: { opt_out: ['arrêt', 'arret', 'désabonner'], opt_in: ['oui'], help: ['aide'] },
  de: { opt_out: ['stopp', 'abmelden'], opt_in: ['ja'], help: ['hilfe'] },
  it: { opt_out: ['basta'], opt_in: ['sì'], help: ['aiuto'] },
  pt: { opt_out: ['sair'], opt_in: ['sim'], help: ['ajuda'] },
};

/**
 * The confirmation of each keyword, per language. `{org}` is the organization's name and
 * `{contact}` its contact line (HELP only: the sentence without it when the organization has none).
 * Each names the word that undoes it in the same language, a word KEYWORDS knows.
 */
const CONFIRMATIONS: Record<KeywordLanguage, Record<ReplyKeyword, string>> = {
  en: { opt_out: '{org}: you will get no more texts from us. Reply START to undo.', opt_in: '{org}: texts are back on. Reply STOP to opt out.', help: '{org}{: contact}. Reply STOP to opt out.' },
  ru: { opt_out: '{org}: мы больше не будем присылать вам SMS. Чтобы вернуть, ответьте СТАРТ.', opt_in: '{org}: SMS снова включены. Чтобы отписаться, ответьте СТОП.', help: '{org}{: contact}. Чтобы отписаться, ответьте СТОП.' },
  uk: { opt_out: '{org}: ми більше не надсилатимемо вам SMS. Щоб повернути, відповідайте ТАК.', opt_in: '{org}: SMS знову увімкнено. Щоб відписатися, відповідайте ВІДПИСАТИСЯ.', help: '{org}{: contact}. Щоб відписатися, відповідайте ВІДПИСАТИСЯ.' },
  ka: { opt_out: '{org}: ჩვენგან SMS-ებს აღარ მიიღებთ. დასაბრუნებლად უპასუხეთ სტარტი.', opt_in: '{org}: SMS-ები ისევ ჩართულია. გამოსაწერად უპასუხეთ სტოპ.', help: '{org}{: contact}. გამოსაწერად უპასუხეთ სტოპ.' },
  tr: { opt_out: '{org}: artık bizden SMS almayacaksınız. Geri almak için BAŞLA yazın.', opt_in: '{org}: SMS\'ler yeniden açıldı. Abonelikten çıkmak için DUR yazın.', help: '{org}{: contact}. Abonelikten çıkmak için DUR yazın.' },
  hy: { opt_out: '{org}: Դուք այլևս SMS չեք ստանա մեզանից։ Վերականգնելու համար պատասխանեք ՍՏԱՐՏ։', opt_in: '{org}: SMS-ները կրկին միացված են։ Դադարեցնելու համար պատասխանեք ՍՏՈՊ։', help: '{org}{: contact}։ Դադարեցնելու համար պատասխանեք ՍՏՈՊ։' },
  ar: { opt_out: '{org}: لن تصلك منا رسائل بعد الآن. للتراجع أرسل ابدأ.', opt_in: '{org}: أُعيد تفعيل الرسائل. لإلغاء الاشتراك أرسل توقف.', help: '{org}{: contact}. لإلغاء الاشتراك أرسل توقف.' },
  he: { opt_out: '{org}: לא יישלחו אליך עוד הודעות. לחידוש השב כן.', opt_in: '{org}: ההודעות חודשו. להסרה השב הסר.', help: '{org}{: contact}. להסרה השב הסר.' },
  fa: { opt_out: '{org}: دیگر از ما پیامکی دریافت نمی‌کنید. برای بازگشت «بله» را بفرستید.', opt_in: '{org}: پیامک‌ها دوباره فعال شد. برای لغو «لغو» را بفرستید.', help: '{org}{: contact}. برای لغو «لغو» را بفرستید.' },
  es: { opt_out: '{org}: no recibirás más SMS nuestros. Responde ALTA para volver a recibirlos.', opt_in: '{org}: los SMS vuelven a estar activos. Responde BAJA para darte de baja.', help: '{org}{: contact}. Responde BAJA para darte de baja.' },
  fr: { opt_out: '{org} : vous ne recevrez plus de SMS de notre part. Répondez OUI pour les réactiver.', opt_in: '{org} : les SMS sont réactivés. Répondez ARRÊT pour vous désabonner.', help: '{org}{ : contact}. Répondez ARRÊT pour vous désabonner.' },
  de: { opt_out: '{org}: Sie erhalten keine SMS mehr von uns. Antworten Sie JA, um sie wieder zu erhalten.', opt_in: '{org}: SMS sind wieder aktiviert. Antworten Sie STOPP zum Abmelden.', help: '{org}{: contact}. Antworten Sie STOPP zum Abmelden.' },
  it: { opt_out: '{org}: non riceverai più SMS da noi. Rispondi SÌ per riattivarli.', opt_in: '{org}: gli SMS sono di nuovo attivi. Rispondi BASTA per disiscriverti.', help: '{org}{: contact}. Rispondi BASTA per disiscriverti.' },
  pt: { opt_out: '{org}: você não receberá mais SMS nossos. Responda SIM para reativá-los.', opt_in: '{org}: os SMS foram reativados. Responda SAIR para cancelar.', help: '{org}{: contact}. Responda SAIR para cancelar.' },
};

// toLowerCase is the root locale's mapping (what toLocaleLowerCase('und') gives), several times
// faster: every inbound text goes through this in the web process.
const normalise = (text: string) =>
  text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/gu, ' ')
    .trim();

/** Normalised word → what it asks for and its language (the first language listing it wins). */
const WORDS = new Map<string, { keyword: ReplyKeyword; language: KeywordLanguage }>();
for (const [language, lists] of Object.entries(KEYWORDS) as [KeywordLanguage, Record<ReplyKeyword, string[]>][]) {
  for (const [keyword, words] of Object.entries(lists) as [ReplyKeyword, string[]][]) {
    for (const word of words) {
      const key = normalise(word);
      if (!WORDS.has(key)) WORDS.set(key, { keyword, language });
    }
  }
}

/** The keyword a whole reply is, or null for anything else (a digit, free text). */
export function replyKeyword(text: string): ReplyKeyword | null {
  return WORDS.get(normalise(text))?.keyword ?? null;
}

/** The keyword a whole reply is, with the language it was written in, or null. */
export function replyKeywordWithLanguage(text: string): { keyword: ReplyKeyword; language: KeywordLanguage } | null {
  return WORDS.get(normalise(text)) ?? null;
}

/** The one confirmation sent back for a keyword, in the language the client used. */
export function keywordConfirmation(keyword: ReplyKeyword, language: KeywordLanguage, organization: { name: string; contact: string | null }): string {
  // One pass with a function: a name or contact is never read as a placeholder or a `$&` pattern.
  return CONFIRMATIONS[language][keyword].replace(/\{org\}|\{([^{}]*)contact\}/gu, (placeholder, before: string | undefined) =>
    placeholder === '{org}' ? organization.name : organization.contact ? `${before ?? ''}${organization.contact}` : '',
  );
}

/** A reply that is one reason number ("2", " 2. ", "２"), or null. */
export function replyDigit(text: string): number | null {
  const m = /^\s*(\d)\s*[.)]?\s*$/u.exec(text.normalize('NFKC'));
  return m ? Number(m[1]) : null;
}

/** Every language's keywords, for tests and the README. */
export const KEYWORD_LANGUAGES = Object.keys(KEYWORDS) as KeywordLanguage[];
export const keywordsOf = (language: KeywordLanguage): Record<ReplyKeyword, readonly string[]> => KEYWORDS[language];
