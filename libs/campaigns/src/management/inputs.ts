import { z } from 'zod';
import { AUDIENCE_SCHEMA } from '../audience';

/** What the API and the console accept for templates and campaigns; each problem is named by its field. */
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

/** POST .../campaigns: a draft. */
export const CREATE_CAMPAIGN_BODY = z
  .object({
    name: z.string().trim().min(1).max(200),
    templateKey: TEMPLATE_KEY,
    /** The order channels are tried in, per client: the first one the client is reachable on. */
    channels: z.array(CHANNEL).min(1).max(4).refine((c) => new Set(c).size === c.length, 'each channel once'),
    fallbackAfterHours: z.number().int().min(1).max(720).nullable().default(null),
    /** Share held out as the control group, 0 to 0.5. */
    controlShare: z.number().min(0).max(0.5).default(0),
    audience: AUDIENCE_SCHEMA.default({}),
  })
  .strict();
export type CreateCampaign = z.output<typeof CREATE_CAMPAIGN_BODY>;

/** POST .../campaigns/:id/schedule: when to start (now when absent); must not be in the past by more than a minute. */
export const SCHEDULE_CAMPAIGN_BODY = z
  .object({ at: z.iso.datetime({ offset: true }).optional() })
  .strict()
  .refine((b) => !b.at || Date.parse(b.at) > Date.now() - 60_000, { message: 'must not be in the past', path: ['at'] });

/** POST .../dead-letters/:messageId/retry: a message in doubt needs staff to say what happened. */
export const RETRY_BODY = z.object({ action: z.enum(['resend', 'mark-sent']).optional() }).strict();

/** POST .../sandbox/messages/:messageId/reply: what the client "answers" in the sandbox. */
export const SANDBOX_REPLY_BODY = z.object({ text: z.string().min(1).max(2000) }).strict();
