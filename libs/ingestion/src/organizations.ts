import { getCountries } from 'libphonenumber-js/max';
import type { Pool } from 'pg';
import { currency, Invalid, locale, timeZone } from './field-parsers';

export interface NewOrganization {
  slug: string;
  name: string;
  timezone: string;
  defaultLocale: string;
  currency: string;
  country: string;
}

export class InvalidOrganizationError extends Error {
  readonly code = 'ORGANIZATION_INVALID';
}

const COUNTRIES = new Set<string>(getCountries());

/** Validates and normalises a new organization's settings; throws naming the bad field. */
export function validateOrganization(input: NewOrganization): NewOrganization {
  const ctx = { country: 'US' };
  const check = (field: string, v: string | null | Invalid): string => {
    if (v instanceof Invalid) throw new InvalidOrganizationError(`${field}: ${v.message}`);
    if (v === null) throw new InvalidOrganizationError(`${field}: is required`);
    return v;
  };
  const slug = input.slug.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(slug)) throw new InvalidOrganizationError('slug: use 2-63 lower-case letters, digits and "-"');
  const name = input.name.normalize('NFKC').trim();
  if (!name) throw new InvalidOrganizationError('name: is required');
  const country = input.country.trim().toUpperCase();
  if (!COUNTRIES.has(country)) throw new InvalidOrganizationError(`country: ${JSON.stringify(input.country)} is not an ISO 3166-1 alpha-2 code`);
  return {
    slug,
    name,
    country,
    timezone: check('timezone', timeZone(input.timezone, ctx)),
    defaultLocale: check('defaultLocale', locale(input.defaultLocale, ctx)),
    currency: check('currency', currency(input.currency, ctx)),
  };
}

/** Creates the organization, or updates the settings of the one with that slug; returns its id. */
export async function upsertOrganization(pool: Pool, input: NewOrganization): Promise<string> {
  const o = validateOrganization(input);
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO organizations (slug, name, timezone, default_locale, currency, country) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, timezone = EXCLUDED.timezone, default_locale = EXCLUDED.default_locale,
       currency = EXCLUDED.currency, country = EXCLUDED.country
     RETURNING id`,
    [o.slug, o.name, o.timezone, o.defaultLocale, o.currency, o.country],
  );
  return rows[0].id;
}
