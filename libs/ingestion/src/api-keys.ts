import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';

/**
 * Ingestion API keys look like `cbk_<prefix>_<secret>`. The prefix (public, 12 hex characters)
 * finds the row; the whole key is checked against its stored SHA-256 in constant time. A key is
 * shown once, when created, and never stored in clear.
 */
const KEY_FORMAT = /^cbk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export async function createApiKey(pool: Pool, organizationId: string, name: string): Promise<{ id: string; key: string }> {
  const prefix = randomBytes(6).toString('hex');
  const key = `cbk_${prefix}_${randomBytes(32).toString('base64url')}`;
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO api_keys (organization_id, name, prefix, secret_hash) VALUES ($1, $2, $3, $4) RETURNING id`,
    [organizationId, name, prefix, hashKey(key)],
  );
  return { id: rows[0].id, key };
}

export async function revokeApiKeys(pool: Pool, organizationId: string, name: string): Promise<number> {
  const r = await pool.query(`UPDATE api_keys SET revoked_at = now() WHERE organization_id = $1 AND name = $2 AND revoked_at IS NULL`, [
    organizationId,
    name,
  ]);
  return r.rowCount ?? 0;
}

/** The organization a presented key belongs to, or null for a malformed, unknown or revoked key. */
export async function verifyApiKey(pool: Pool, presented: string): Promise<{ keyId: string; organizationId: string } | null> {
  const m = KEY_FORMAT.exec(presented);
  if (!m) return null;
  const { rows } = await pool.query<{ id: string; organization_id: string; secret_hash: Buffer }>(
    `SELECT id, organization_id, secret_hash FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL`,
    [m[1]],
  );
  const row = rows[0];
  if (!row || !timingSafeEqual(row.secret_hash, hashKey(presented))) return null;
  // Best effort: when a key was last used helps staff find keys nobody uses any more.
  void pool.query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [row.id]).catch(() => undefined);
  return { keyId: row.id, organizationId: row.organization_id };
}
