import { randomBytes } from 'node:crypto';
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

/** A hash of a random password nobody knows (none is written in the code), verified when the e-mail is unknown: both paths cost the same. */
let decoyHash: Promise<string> | undefined;

/**
 * Lockout with back-off: after `threshold` wrong passwords in a row an account is locked for 1
 * minute, the next time 2, then 4 ... up to `maxLockMinutes`; a successful sign-in resets it all.
 * While locked even the right password is refused, and the answer is the one an unknown e-mail
 * gets (the caller cannot tell a lock from a typo, so a lock does not confirm the address exists).
 */
export interface LockoutPolicy {
  threshold: number;
  maxLockMinutes: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { threshold: 5, maxLockMinutes: 60 };

/**
 * The account for an e-mail and password, or null (unknown e-mail, wrong password, disabled or
 * locked account: the caller says the same for all, so e-mail addresses cannot be probed). Every
 * path verifies one argon2id hash (a decoy for unknown e-mails), so they cost about the same.
 * A wrong password counts towards the account's lockout.
 */
export async function authenticateStaff(pool: Pool, email: string, password: string, lockout: LockoutPolicy = DEFAULT_LOCKOUT): Promise<StaffAccountView | null> {
  const { rows } = await pool.query<StaffAccountView & { passwordHash: string; disabledAt: Date | null; locked: boolean }>(
    `SELECT id, organization_id AS "organizationId", email, display_name AS "displayName", role, password_hash AS "passwordHash",
            disabled_at AS "disabledAt", coalesce(locked_until > now(), false) AS locked
       FROM staff_accounts WHERE email = $1`,
    [normaliseEmail(email)],
  );
  const account = rows[0];
  if (!account) {
    await verifyPassword(await (decoyHash ??= hashPassword(randomBytes(32).toString('base64url'))), password);
    return null;
  }
  const matches = await verifyPassword(account.passwordHash, password);
  // Attempts during a lock are refused without counting: the lock already says "wait".
  if (account.locked) return null;
  if (!matches) {
    await recordFailedLogin(pool, account.id, lockout);
    return null;
  }
  if (account.disabledAt) return null;
  await pool.query(
    `UPDATE staff_accounts SET last_login_at = now(), failed_logins = 0, lockouts = 0, locked_until = NULL WHERE id = $1`,
    [account.id],
  );
  return { id: account.id, organizationId: account.organizationId, email: account.email, displayName: account.displayName, role: account.role };
}

/** One more wrong password; at the threshold the account locks for 2^(locks so far) minutes, capped. One statement: concurrent failures all count. */
async function recordFailedLogin(pool: Pool, accountId: string, lockout: LockoutPolicy): Promise<void> {
  await pool.query(
    `UPDATE staff_accounts
        SET failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
            locked_until = CASE WHEN failed_logins + 1 >= $2
                                THEN now() + make_interval(mins => least($3::int, power(2, least(lockouts, 20))::int))
                                ELSE locked_until END,
            lockouts = CASE WHEN failed_logins + 1 >= $2 THEN lockouts + 1 ELSE lockouts END,
            last_failed_login_at = now()
      WHERE id = $1`,
    [accountId, lockout.threshold, lockout.maxLockMinutes],
  );
}

/** An account's sign-in failures and lock, for the administrators' accounts page. */
export interface AccountLockState {
  failedLogins: number;
  lockouts: number;
  lockedUntil: Date | null;
  lastFailedLoginAt: Date | null;
}

/**
 * Clears an account's lock and failure counts (an administrator, after checking with the person).
 * Only within the administrator's organization; false when there is no such account there.
 */
export async function clearAccountLock(pool: Pool, organizationId: string, accountId: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE staff_accounts SET failed_logins = 0, lockouts = 0, locked_until = NULL, updated_at = now() WHERE id = $1 AND organization_id = $2`,
    [accountId, organizationId],
  );
  return rowCount === 1;
}
