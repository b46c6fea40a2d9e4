/**
 * A campaign message template: one channel, one locale, and the parts that channel sends. Text
 * parts are Handlebars templates over the variable catalog (template-variables.ts); the voice
 * language and menu are plain values.
 */

export const CHANNELS = ['sms', 'email', 'viber', 'voice'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface SmsParts {
  text: string;
}

export interface EmailParts {
  /** One line: line breaks are removed when rendering (header injection). */
  subject: string;
  /** Values are HTML-escaped; raw `{{{ }}}` output is refused by validation. */
  html: string;
  /** The plain-text alternative. */
  text: string;
}

export interface ViberParts {
  text: string;
  buttonText: string;
  /** An `https://` address (variables may follow the host) or a URL variable alone, e.g. `{{feedbackUrl}}`. */
  buttonUrl: string;
}

export interface VoiceParts {
  /** What the automated call says. */
  script: string;
  /** The text-to-speech language, a BCP-47 tag such as `ka-GE` (not a template). */
  language: string;
  /** Keypad digit → the reason label a press records, e.g. `{ "1": "Too expensive" }` (not templates). */
  menu: Readonly<Record<string, string>>;
}

export interface ChannelParts {
  sms: SmsParts;
  email: EmailParts;
  viber: ViberParts;
  voice: VoiceParts;
}

/** A template as stored and edited; a union over channels, so narrowing `channel` narrows `parts`. */
export type TemplateDefinition<C extends Channel = Channel> = C extends Channel
  ? { channel: C; locale: string; parts: ChannelParts[C] }
  : never;

/** What the text of a part is for; decides escaping, normalisation and the extra checks. */
export type PartRole = 'text' | 'subject' | 'html' | 'url' | 'language' | 'menu';

export const PART_ROLES: { readonly [C in Channel]: { readonly [P in keyof ChannelParts[C]]: PartRole } } = {
  sms: { text: 'text' },
  email: { subject: 'subject', html: 'html', text: 'text' },
  viber: { text: 'text', buttonText: 'text', buttonUrl: 'url' },
  voice: { script: 'text', language: 'language', menu: 'menu' },
};

/** Roles whose value is a Handlebars template. */
export function isTemplateRole(role: PartRole): role is 'text' | 'subject' | 'html' | 'url' {
  return role !== 'language' && role !== 'menu';
}

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

/** The parts of a channel with their roles, in declaration order. */
export function partRoles(channel: Channel): ReadonlyArray<readonly [string, PartRole]> {
  return Object.entries(PART_ROLES[channel]) as Array<[string, PartRole]>;
}
