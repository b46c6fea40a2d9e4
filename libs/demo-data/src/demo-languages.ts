import type { CountryCode } from 'libphonenumber-js';

/** The client languages the demo clinic sees; each brings its own script, phone country and zone. */
export const DEMO_LANGUAGES = ['ka', 'en', 'ru', 'tr', 'gu', 'bn', 'lo'] as const;
export type DemoLanguage = (typeof DEMO_LANGUAGES)[number];

export interface LanguageProfile {
  language: DemoLanguage;
  /** Share of clients speaking it (relative weight). A Tbilisi clinic: mostly Georgian. */
  weight: number;
  /** Country whose mobile numbers its speakers usually have. */
  phoneCountry: CountryCode;
  /** IANA zone of that country. */
  timezone: string;
  /** The region-qualified BCP 47 tag some client records carry instead of the bare language. */
  regionalLocale: string;
}

export const LANGUAGE_PROFILES: readonly LanguageProfile[] = [
  { language: 'ka', weight: 38, phoneCountry: 'GE', timezone: 'Asia/Tbilisi', regionalLocale: 'ka-GE' },
  { language: 'en', weight: 14, phoneCountry: 'GB', timezone: 'Europe/London', regionalLocale: 'en-GB' },
  { language: 'ru', weight: 18, phoneCountry: 'RU', timezone: 'Europe/Moscow', regionalLocale: 'ru-RU' },
  { language: 'tr', weight: 14, phoneCountry: 'TR', timezone: 'Europe/Istanbul', regionalLocale: 'tr-TR' },
  { language: 'gu', weight: 6, phoneCountry: 'IN', timezone: 'Asia/Kolkata', regionalLocale: 'gu-IN' },
  { language: 'bn', weight: 6, phoneCountry: 'BD', timezone: 'Asia/Dhaka', regionalLocale: 'bn-BD' },
  { language: 'lo', weight: 4, phoneCountry: 'LA', timezone: 'Asia/Vientiane', regionalLocale: 'lo-LA' },
];

/** The phone countries clients can have, i.e. the pools the phone generator must prepare. */
export const DEMO_PHONE_COUNTRIES: readonly CountryCode[] = LANGUAGE_PROFILES.map((p) => p.phoneCountry);

/** IANA zone for a phone country of the demo (used when a client lives where their number is from). */
export function timezoneOfCountry(country: CountryCode): string | undefined {
  return LANGUAGE_PROFILES.find((p) => p.phoneCountry === country)?.timezone;
}

/**
 * Standard UTC offset, in minutes, of the demo countries, to place clinic opening hours
 * (08:00-20:00 local) in UTC. "Local-ish": daylight saving is ignored on purpose, the data only
 * needs plausible hours. Countries not listed are treated as UTC.
 */
export const STANDARD_UTC_OFFSET_MINUTES: Readonly<Partial<Record<CountryCode, number>>> = {
  GE: 240,
  GB: 0,
  RU: 180,
  TR: 180,
  IN: 330,
  BD: 360,
  LA: 420,
};
