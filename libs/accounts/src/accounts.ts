import type { Pool } from 'pg';
import { STAFF_ROLES, type StaffRole } from '@comeback/domain';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';

export interface AccountProblem {
  field: 'email' | 'displayName' | 'role' | 'password' | 'organizationId';
  message: string;
}

/** An account that cannot be created as asked; each problem names its field. */
export class InvalidAccountError extends Error {
  constructor(readonly problems: AccountProblem[]) {
    super(`invalid account: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
    this.name = 'InvalidAccountError';
  }
}

export interface StaffAccountView {
  id: string;
  organizationId: string;
  email: string;
  displayName: string;
  role: StaffRole;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/u;

/** Lower case and NFKC: the form e-mail addresses are stored and compared in. */
export function normaliseEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}

export interface NewAccount {
  organizationId: string;
  email: string;
  displayName: string;
  role: string;
  password: string;
}

/** Creates a console account (an admin does this; the demo and the CLI too). */
export async function createStaffAccount(pool: Pool, input: NewAccount): Promise<StaffAccountView> {
  const problems: AccountProblem[] = [];
  const email = normaliseEmail(input.email);
  const displayName = input.displayName.normalize('NFKC').trim();
  if (!EMAIL.test(email) || email.length > 254) problems.push({ field: 'email', message: `${JSON.stringify(input.email)} is not an e-mail address` });
  if (!displayName || displayName.length > 200) problems.push({ field: 'displayName', message: 'must be 1 to 200 characters' });
  if (!(STAFF_ROLES as readonly string[]).includes(input.role)) problems.push({ field: 'role', message: `must be one of ${STAFF_ROLES.join(', ')}` });
  const weak = passwordProblem(input.password);
  if (weak) problems.push({ field: 'password', message: weak });
  if (problems.length) throw new InvalidAccountError(problems);
  const passwordHash = await hashPassword(input.password);
  try {
    const { rows } = await pool.query<StaffAccountView>(
      `INSERT INTO staff_accounts (organization_id, email, display_name, role, password_hash) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, organization_id AS "organizationId", email, display_name AS "displayName", role`,
      [input.organizationId, email, displayName, input.role, passwordHash],
    );
    return rows[0];
  } catch (err) {
    const code = (err as { code?: string; constraint?: string }).code;
    if (code === '23505') throw new InvalidAccountError([{ field: 'email', message: `${email} already has an account` }]);
    if (code === '23503') throw new InvalidAccountError([{ field: 'organizationId', message: 'no such organization' }]);
    throw err;
  }
}

/** A hash of a password nobody has, verified when the e-mail is unknown: both paths cost the same. */
let decoyHash: Promise<string> | undefined;

/**
 * The account for an e-mail and password, or null (unknown e-mail, wrong password, disabled
 * account: the caller says the same for all three, so e-mail addresses cannot be probed).
 */
export async function authenticateStaff(pool: Pool, email: string, password: string): Promise<StaffAccountView | null> {
  const { rows } = await pool.query<StaffAccountView & { passwordHash: string; disabledAt: Date | null }>(
    `SELECT id, organization_id AS "organizationId", email, display_name AS "displayName", role, password_hash AS "passwordHash",
            disabled_at AS "disabledAt"
       FROM staff_accounts WHERE email = $1`,
    [normaliseEmail(email)],
  );
  const account = rows[0];
  if (!account) {
    await verifyPassword(await (decoyHash ??= hashPassword('decoy password that matches nothing')), password);
    return null;
  }
  if (!(await verifyPassword(account.passwordHash, password)) || account.disabledAt) return null;
  await pool.query(`UPDATE staff_accounts SET last_login_at = now() WHERE id = $1`, [account.id]);
  return { id: account.id, organizationId: account.organizationId, email: account.email, displayName: account.displayName, role: account.role };
}
