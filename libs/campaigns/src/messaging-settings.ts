import { z } from 'zod';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour)');
const price = z.string().regex(/^\d{1,6}(\.\d{1,6})?$/, 'must be a decimal amount such as "0.05"');
/** Secrets never live in the database: a provider names the environment variable holding one. */
const envName = z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be the name of an environment variable (A-Z, 0-9, _)');

const sandbox = z.object({ type: z.literal('sandbox') }).strict();
const twilio = z
  .object({
    type: z.literal('twilio'),
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio account SID (AC + 32 hex digits)'),
    authTokenEnv: envName,
    from: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number').optional(),
    messagingServiceSid: z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'must be a messaging service SID (MG + 32 hex digits)').optional(),
    /** Another API host (an egress proxy); Twilio's own by default. */
    apiBaseUrl: z.string().url().optional(),
  })
  .strict()
  .refine((t) => t.from || t.messagingServiceSid, { message: 'give from or messagingServiceSid', path: ['from'] });
const smtp = z
  .object({
    type: z.literal('smtp'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    secure: z.boolean().default(false),
    userEnv: envName.optional(),
    passwordEnv: envName.optional(),
    from: z.string().min(3),
  })
  .strict();
const viber = z
  .object({ type: z.literal('viber'), authTokenEnv: envName, senderName: z.string().min(1).max(28), apiBaseUrl: z.string().url().optional() })
  .strict();

/**
 * An organization's messaging settings (organizations.messaging_settings). Every field has a
 * default, so `{}` is valid: every channel on the sandbox provider, texts and calls allowed from
 * 08:00 to 21:00 in the client's own timezone, a client contacted at most once in 30 days.
 */
export const MESSAGING_SETTINGS_SCHEMA = z
  .object({
    /** SMS, Viber and voice go out only between these local times of the client (e-mail any time). */
    allowedHours: z.object({ from: hhmm.default('08:00'), to: hhmm.default('21:00') }).strict().prefault({})
      .refine((h) => h.from !== h.to, { message: 'from and to must differ', path: ['to'] }),
    /** How clients reach the business (a phone number, an address): the answer to a HELP text. */
    contact: z.string().trim().min(1).max(200).optional(),
    /** A client who was sent any campaign message within this many days is left out of a new campaign. */
    frequencyCapDays: z.number().int().min(0).max(365).default(30),
    /** Price per SMS segment, per e-mail, per Viber message and per call, in the organization's currency. */
    prices: z
      .object({ smsSegment: price.default('0.05'), email: price.default('0'), viber: price.default('0.02'), voiceCall: price.default('0.10') })
      .strict()
      .prefault({}),
    providers: z
      .object({
        sms: z.union([sandbox, twilio]).default({ type: 'sandbox' }),
        email: z.union([sandbox, smtp]).default({ type: 'sandbox' }),
        viber: z.union([sandbox, viber]).default({ type: 'sandbox' }),
        // A call needs a number to come from (a messaging service cannot place calls).
        voice: z.union([sandbox, twilio.refine((t) => t.from, { message: 'a voice provider needs from', path: ['from'] })]).default({ type: 'sandbox' }),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type MessagingSettings = z.output<typeof MESSAGING_SETTINGS_SCHEMA>;

export class InvalidMessagingSettingsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`messaging settings: ${field}: ${message}`);
    this.name = 'InvalidMessagingSettingsError';
  }
}

/** Validates and completes an organization's messaging settings; a bad field is named. */
export function parseMessagingSettings(input: unknown): MessagingSettings {
  const parsed = MESSAGING_SETTINGS_SCHEMA.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidMessagingSettingsError(issue.path.join('.') || '(root)', issue.message);
}
