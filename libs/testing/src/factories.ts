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

    /** A client of the organization; returns its id. */
    async client(organizationId: string, o: { externalId?: string; name?: string; phone?: string } = {}): Promise<string> {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO clients (organization_id, external_id, name, phone) VALUES ($1, $2, $3, $4) RETURNING id`,
        [organizationId, o.externalId ?? `c-${randomBytes(5).toString('hex')}`, o.name ?? 'Test Client', o.phone ?? null],
      );
      return rows[0].id;
    },

    /** A staff member of the organization; returns its id. */
    async staffMember(organizationId: string, o: { name?: string; role?: string } = {}): Promise<string> {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO staff_members (organization_id, external_id, name, role) VALUES ($1, $2, $3, $4) RETURNING id`,
        [organizationId, `s-${randomBytes(5).toString('hex')}`, o.name ?? 'Dr Test', o.role ?? 'doctor'],
      );
      return rows[0].id;
    },

    /** A service of the organization; returns its id. */
    async service(organizationId: string, o: { name?: string; category?: string } = {}): Promise<string> {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO services (organization_id, external_id, name, category) VALUES ($1, $2, $3, $4) RETURNING id`,
        [organizationId, `svc-${randomBytes(5).toString('hex')}`, o.name ?? 'Check-up', o.category ?? null],
      );
      return rows[0].id;
    },

    /** One visit at each instant (Date or ISO text), each paying `amount`, optionally with a staff member and service. */
    async visits(
      organizationId: string,
      clientId: string,
      at: (Date | string)[],
      amount = 50,
      o: { staffMemberId?: string; serviceId?: string } = {},
    ): Promise<void> {
      await pool.query(
        `INSERT INTO visits (organization_id, external_id, client_id, visited_at, amount, currency, staff_member_id, service_id)
         SELECT $1, 'v-' || $2::text || '-' || gen_random_uuid(), $2::bigint, t, $4, 'GEL', $5, $6 FROM unnest($3::timestamptz[]) AS t`,
        [organizationId, clientId, at.map((d) => (d instanceof Date ? d.toISOString() : d)), amount, o.staffMemberId ?? null, o.serviceId ?? null],
      );
    },

    async payment(
      organizationId: string,
      clientId: string,
      o: { at: Date; status: 'succeeded' | 'failed' | 'cancelled'; amount?: number; failureCode?: string },
    ): Promise<void> {
      await pool.query(
        `INSERT INTO payment_events (organization_id, external_id, client_id, occurred_at, status, amount, currency, failure_code)
         VALUES ($1, 'p-' || gen_random_uuid(), $2, $3, $4, $5, 'GEL', $6)`,
        [organizationId, clientId, o.at, o.status, o.amount ?? (o.status === 'cancelled' ? 0 : 30), o.status === 'failed' ? (o.failureCode ?? 'card_expired') : null],
      );
    },
  };
}
