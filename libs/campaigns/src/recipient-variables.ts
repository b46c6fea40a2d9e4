import type { TemplateVariables } from '@comeback/templates';

import { randomBytes } from 'node:crypto';

type Channel = 'sms' | 'email' | 'viber' | 'voice';

/** Bytes of a personal link token: 144 bits, 24 characters in base64url. */
const TOKEN_BYTES = 18;

/** A new personal feedback / opt-out token (unguessable; only its SHA-256 is stored). */
export const newFeedbackToken = () => randomBytes(TOKEN_BYTES).toString('base64url');

/**
 * The token previews and estimates render with: as long as a real one, so the SMS segment count
 * and price they show are those of the messages that will go.
 */
export const PREVIEW_TOKEN = 'preview'.padEnd(Math.ceil((TOKEN_BYTES * 4) / 3), '0');

/** "How to stop these messages", per language and channel (English when the language has none). */
export const OPT_OUT_TEXT: Record<string, Record<Channel, string>> = {
  en: { sms: 'Reply STOP to opt out.', viber: 'Unsubscribe in the chat menu.', email: 'Unsubscribe with the link below.', voice: 'Press 9 to stop these calls.' },
  ru: { sms: 'Чтобы отписаться, ответьте STOP.', viber: 'Отписаться можно в меню чата.', email: 'Отписаться можно по ссылке ниже.', voice: 'Нажмите 9, чтобы больше не получать звонков.' },
  ka: { sms: 'გამოსაწერად უპასუხეთ STOP.', viber: 'გამოწერის გაუქმება ჩატის მენიუშია.', email: 'გამოწერის გაუქმება ქვემოთ მოცემული ბმულით.', voice: 'დააჭირეთ 9-ს, რომ აღარ დაგირეკოთ.' },
};

export interface RecipientFacts {
  name: string;
  /** BCP-47 locale of the template the message is written in (its opt-out sentence must match it). */
  locale: string;
  lastVisitAt: Date | null;
  staffMember: string | null;
  service: string | null;
}

/**
 * The template variables of one recipient: what the fan-out renders each message with, and what
 * the editor's preview shows for a chosen client. `token` is the personal link token.
 */
export function recipientVariables(
  r: RecipientFacts,
  o: { channel: Channel; organizationName: string; publicFeedbackUrl: string; token: string; reasons: { number: number; label: string }[]; now?: Date },
): TemplateVariables {
  const now = o.now ?? new Date();
  const language = r.locale.slice(0, 2).toLowerCase();
  return {
    client: { name: r.name, firstName: r.name.trim().split(/\s+/u)[0] },
    lastVisit: { date: r.lastVisitAt, staffMember: r.staffMember, service: r.service },
    organization: { name: o.organizationName },
    feedbackUrl: `${o.publicFeedbackUrl}/f/${o.token}`,
    optOutUrl: `${o.publicFeedbackUrl}/u/${o.token}`,
    optOutText: (OPT_OUT_TEXT[language] ?? OPT_OUT_TEXT.en)[o.channel],
    reasons: o.reasons,
    daysSinceLastVisit: r.lastVisitAt ? Math.floor((now.getTime() - r.lastVisitAt.getTime()) / 86_400_000) : null,
  };
}
