import { z } from 'zod';

export const TEMPLATE_KEY = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and "-", up to 63');
export const CHANNEL = z.enum(['sms', 'email', 'viber', 'voice']);
export const LOCALE = z.string().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, 'a BCP-47 language tag such as "ka" or "en-GB"');

/** PUT .../templates/:key/:channel/:locale */
export const SAVE_TEMPLATE_BODY = z.object({ parts: z.record(z.string(), z.unknown()) }).strict();

/** POST .../templates/preview: a template as being edited, and optionally the client to render it for. */
export const PREVIEW_TEMPLATE_BODY = z
  .object({
    template: z.object({ channel: CHANNEL, locale: LOCALE, parts: z.record(z.string(), z.unknown()) }).strict(),
    clientId: z.string().regex(/^\d{1,18}$/, 'must be a client id').optional(),
  })
  .strict();
