/**
 * The variables a campaign template may use. The catalog is fixed: validation refuses any other
 * name, so a typo is caught when the template is saved rather than rendering as a blank for
 * 100,000 recipients. Every value may be missing at render time; a missing value renders empty.
 */

/** A numbered reason choice, as offered in the message ("Reply 1 if it was too expensive"). */
export interface ReasonChoice {
  number: number;
  label: string;
}

/** The values for one recipient. */
export interface TemplateVariables {
  client?: { name?: string | null; firstName?: string | null };
  lastVisit?: { date?: Date | null; staffMember?: string | null; service?: string | null };
  organization?: { name?: string | null; phone?: string | null };
  feedbackUrl?: string | null;
  optOutUrl?: string | null;
  optOutText?: string | null;
  reasons?: readonly ReasonChoice[] | null;
  daysSinceLastVisit?: number | null;
}

/** How a value may be used: printed as is, formatted by a helper, or iterated. */
export type VariableKind = 'text' | 'url' | 'number' | 'date' | 'reasons';

export interface VariableInfo {
  readonly kind: VariableKind;
  readonly description: string;
}

/** Every variable, by its path in the template (for the editor's help panel as well as validation). */
export const TEMPLATE_VARIABLES = {
  'client.name': { kind: 'text', description: "The client's full name as the business knows it." },
  'client.firstName': { kind: 'text', description: "The client's first name, for a friendly greeting." },
  'lastVisit.date': { kind: 'date', description: 'When the client last came. A date: write {{date lastVisit.date}} (or "short" / "long").' },
  'lastVisit.staffMember': { kind: 'text', description: 'Who served the client on the last visit.' },
  'lastVisit.service': { kind: 'text', description: 'What the client had on the last visit.' },
  'organization.name': { kind: 'text', description: "The business's name." },
  'organization.phone': { kind: 'text', description: "The business's phone number." },
  feedbackUrl: { kind: 'url', description: "The client's personal feedback link." },
  optOutUrl: { kind: 'url', description: 'The link that stops further messages.' },
  optOutText: { kind: 'text', description: 'How to opt out on this channel, e.g. "Reply STOP".' },
  reasons: {
    kind: 'reasons',
    description: 'The numbered reason choices: {{#each reasons}}{{number}} – {{label}}{{/each}}.',
  },
  daysSinceLastVisit: { kind: 'number', description: 'Whole days since the last visit: {{plural daysSinceLastVisit one="# day" other="# days"}}.' },
} as const satisfies Record<string, VariableInfo>;

export type VariableName = keyof typeof TEMPLATE_VARIABLES;

/** The fields of one reason inside `{{#each reasons}}` (also as `this.number`, `this.label`). */
export const REASON_FIELDS = {
  number: { kind: 'number', description: 'The number the client replies or presses for this reason.' },
  label: { kind: 'text', description: 'The reason, e.g. "Too expensive".' },
} as const satisfies Record<string, VariableInfo>;

/** Data variables Handlebars sets inside `{{#each}}`. */
export const EACH_DATA_VARIABLES = ['index', 'first', 'last'] as const;

export interface HelperInfo {
  readonly usage: string;
  readonly description: string;
}

/** Every helper a template may call. Nothing else is registered (no partials, no `lookup`, no `with`). */
export const TEMPLATE_HELPERS = {
  date: { usage: '{{date lastVisit.date}} or {{date lastVisit.date "long"}}', description: 'A date in the recipient\'s locale and time zone; style "short", "medium" (default) or "long".' },
  money: { usage: '{{money 20}}', description: 'An amount in the organization\'s currency, in the recipient\'s locale.' },
  number: { usage: '{{number daysSinceLastVisit}}', description: 'A number in the recipient\'s locale.' },
  plural: {
    usage: '{{plural daysSinceLastVisit one="# day" other="# days"}}',
    description: 'The form the locale\'s plural rules choose (zero, one, two, few, many, other); # is the number.',
  },
  if: { usage: '{{#if lastVisit.staffMember}}…{{else}}…{{/if}}', description: 'Shows the block when the value is present.' },
  unless: { usage: '{{#unless optOutUrl}}…{{/unless}}', description: 'Shows the block when the value is missing.' },
  each: { usage: '{{#each reasons}}{{number}} – {{label}}{{/each}}', description: 'Repeats the block for each reason choice.' },
} as const satisfies Record<string, HelperInfo>;

export type HelperName = keyof typeof TEMPLATE_HELPERS;

/** Helpers that format a value inline (as opposed to the block helpers if / unless / each). */
export const FORMAT_HELPERS = ['date', 'money', 'number', 'plural'] as const;
export type FormatHelperName = (typeof FORMAT_HELPERS)[number];

export const BLOCK_HELPERS = ['if', 'unless', 'each'] as const;

export const DATE_STYLES = ['short', 'medium', 'long'] as const;
export type DateStyle = (typeof DATE_STYLES)[number];

export const PLURAL_CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;
