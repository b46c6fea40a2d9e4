import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { StaffAccountView } from './accounts';

/** Sessions end after this long, signed-in activity or not (a console left open at a clinic desk). */
export const SESSION_HOURS = 12;

export interface StaffSessionView {
  account: StaffAccountView;
  csrfSecret: string;
  expiresAt: Date;
}

const tokenHash = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Opens a session; returns the cookie value (shown once: only its SHA-256 is stored). */
export async function openStaffSession(pool: Pool, accountId: string): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const { rows } = await pool.query<{ expires_at: Date }>(
    `INSERT INTO staff_sessions (token_hash, account_id, csrf_secret, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(hours => $4)) RETURNING expires_at`,
    [tokenHash(token), accountId, randomBytes(32).toString('base64url'), SESSION_HOURS],
  );
  return { token, expiresAt: rows[0].expires_at };
}

/** The live session for a cookie value, or null (unknown, expired, revoked, account disabled). */
export async function findStaffSession(pool: Pool, token: string): Promise<StaffSessionView | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const { rows } = await pool.query(
    `SELECT s.csrf_secret, s.expires_at, a.id, a.organization_id, a.email, a.display_name, a.role
       FROM staff_sessions s JOIN staff_accounts a ON a.id = s.account_id
      WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND a.disabled_at IS NULL`,
    [tokenHash(token)],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    csrfSecret: r.csrf_secret,
    expiresAt: r.expires_at,
    account: { id: r.id, organizationId: r.organization_id, email: r.email, displayName: r.display_name, role: r.role },
  };
}

export async function revokeStaffSession(pool: Pool, token: string): Promise<void> {
  await pool.query(`UPDATE staff_sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL`, [tokenHash(token)]);
}
