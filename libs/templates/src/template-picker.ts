import type { Channel, TemplateDefinition } from './template-definition';
import { languageOf, normaliseLocale } from './locale-tag';

/** Which step of the fallback chain found the template. */
export type LocaleMatch = 'client-locale' | 'client-language' | 'organization-locale' | 'organization-language' | 'english';

export interface TemplateChoice {
  channel: Channel;
  /** The client's locale as recorded ('ka-GE', 'pt_BR'); may be missing. */
  clientLocale?: string | null;
  /** The organization's default locale. */
  organizationLocale?: string | null;
}

export interface PickedTemplate<D extends TemplateDefinition = TemplateDefinition> {
  template: D;
  /** The chosen template's locale, normalised. */
  locale: string;
  match: LocaleMatch;
}

const ENGLISH = 'en';

/**
 * The template to send a client on a channel: the client's exact locale, then the client's
 * language, then the organization's default locale and its language, then English; null when
 * none of these has a template. A language step takes the template for the bare language ('ka')
 * first, else the first template of that language in the given order ('ka-GE' for a 'ka' client).
 * Locales compare normalised and case-insensitively ('pt_br' finds 'pt-BR').
 */
export function pickTemplate<D extends TemplateDefinition>(templates: readonly D[], choice: TemplateChoice): PickedTemplate<D> | null {
  const candidates = templates
    .filter((t) => t.channel === choice.channel)
    .map((template) => ({ template, locale: normaliseLocale(template.locale) }))
    .filter((c): c is { template: D; locale: string } => c.locale !== null);
  if (!candidates.length) return null;

  const exact = (locale: string) => candidates.find((c) => c.locale === locale);
  const sameLanguage = (locale: string) => {
    const language = languageOf(locale);
    return exact(language) ?? candidates.find((c) => languageOf(c.locale) === language);
  };

  const client = normaliseLocale(choice.clientLocale);
  const organization = normaliseLocale(choice.organizationLocale);
  const steps: Array<[LocaleMatch, () => { template: D; locale: string } | undefined]> = [
    ['client-locale', () => (client ? exact(client) : undefined)],
    ['client-language', () => (client ? sameLanguage(client) : undefined)],
    ['organization-locale', () => (organization ? exact(organization) : undefined)],
    ['organization-language', () => (organization ? sameLanguage(organization) : undefined)],
    ['english', () => sameLanguage(ENGLISH)],
  ];
  for (const [match, find] of steps) {
    const found = find();
    if (found) return { template: found.template, locale: found.locale, match };
  }
  return null;
}
