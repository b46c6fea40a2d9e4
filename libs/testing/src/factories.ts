import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';

export interface OrganizationRow {
  id: string;
  slug: string;
  timezone: string;
  country: string;
  currency: string;
}

/** Builders of valid rows in one line, e.g. `await make.organization({ country: 'TR' })`. */
export function factories(pool: Pool) {
  return {
    async organization(o: Partial<Omit<OrganizationRow, 'id'>> & { name?: string; defaultLocale?: string } = {}): Promise<OrganizationRow> {
      const slug = o.slug ?? `org-${randomBytes(4).toString('hex')}`;
      const { rows } = await pool.query<OrganizationRow>(
        `INSERT INTO organizations (slug, name, timezone, default_locale, currency, country)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, slug, timezone, country, currency::text AS currency`,
        [slug, o.name ?? 'Test Clinic', o.timezone ?? 'Asia/Tbilisi', o.defaultLocale ?? 'ka', o.currency ?? 'GEL', o.country ?? 'GE'],
      );
      return rows[0];
    },
  };
}
