import type { Pool, PoolClient } from 'pg';
import type { OrgContext } from './chunk-writer';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class OrganizationNotFoundError extends Error {
  readonly code = 'ORGANIZATION_NOT_FOUND';
  constructor(ref: string) {
    super(`no organization with id or slug ${JSON.stringify(ref)} (list them with: npx comeback org list)`);
    this.name = 'OrganizationNotFoundError';
  }
}

/** Finds an organization by its id or its slug. */
export async function findOrganization(db: Pool | PoolClient, ref: string): Promise<OrgContext> {
  const { rows } = await db.query<OrgContext>(
    `SELECT id, currency, country, timezone FROM organizations WHERE ${UUID.test(ref) ? 'id = $1::uuid' : 'slug = $1'}`,
    [ref],
  );
  if (!rows[0]) throw new OrganizationNotFoundError(ref);
  return rows[0];
}
