import { createTestDatabase, factories, type TestDatabase } from '@comeback/testing';
import { authenticateStaff, createStaffAccount, InvalidAccountError } from './accounts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';
import { findStaffSession, openStaffSession, revokeStaffSession } from './sessions';

describe('staff accounts and sessions (real PostgreSQL)', () => {
  let db: TestDatabase;
  let orgId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    orgId = (await factories(db.pool).organization()).id;
  });
  afterAll(async () => db.drop());

  it('hash passwords with argon2id, normalised (NFKC), and refuse short ones', async () => {
    const stored = await hashPassword('ｃｏｒｒｅｃｔ horse battery');
    expect(stored.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse batterY')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
    expect(passwordProblem('short')).toBe('must be at least 12 characters');
    expect(passwordProblem('ბევრი ასო ქართულად')).toBeNull();
  });

  it('create an account with its e-mail normalised, and name each problem by field', async () => {
    const account = await createStaffAccount(db.pool, { organizationId: orgId, email: ' Nino@Clinic.GE ', displayName: 'ნინო', role: 'marketer', password: 'long enough passphrase' });
    expect(account).toMatchObject({ email: 'nino@clinic.ge', displayName: 'ნინო', role: 'marketer', organizationId: orgId });
    const stored = (await db.pool.query(`SELECT password_hash FROM staff_accounts WHERE id = $1`, [account.id])).rows[0].password_hash;
    expect(stored).not.toContain('long enough passphrase');

    let error: unknown;
    try {
      await createStaffAccount(db.pool, { organizationId: orgId, email: 'nope', displayName: '', role: 'owner', password: 'short' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidAccountError);
    expect((error as InvalidAccountError).problems.map((p) => p.field)).toEqual(['email', 'displayName', 'role', 'password']);
    await expect(
      createStaffAccount(db.pool, { organizationId: orgId, email: 'NINO@clinic.ge', displayName: 'Again', role: 'viewer', password: 'long enough passphrase' }),
    ).rejects.toThrow('nino@clinic.ge already has an account');
  });

  it('authenticate the right password only, the same way for unknown and disabled accounts', async () => {
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'giorgi@clinic.ge', displayName: 'Giorgi', role: 'admin', password: 'giorgi passphrase 1' });
    expect(await authenticateStaff(db.pool, 'GIORGI@clinic.ge', 'giorgi passphrase 1')).toMatchObject({ role: 'admin', email: 'giorgi@clinic.ge' });
    expect(await authenticateStaff(db.pool, 'giorgi@clinic.ge', 'wrong passphrase 1')).toBeNull();
    expect(await authenticateStaff(db.pool, 'nobody@clinic.ge', 'giorgi passphrase 1')).toBeNull();
    await db.pool.query(`UPDATE staff_accounts SET disabled_at = now() WHERE email = 'giorgi@clinic.ge'`);
    expect(await authenticateStaff(db.pool, 'giorgi@clinic.ge', 'giorgi passphrase 1')).toBeNull();
  });

  it('open sessions stored by token hash, found until revoked or expired', async () => {
    const account = await createStaffAccount(db.pool, { organizationId: orgId, email: 'tamar@clinic.ge', displayName: 'Tamar', role: 'viewer', password: 'tamar passphrase 1' });
    const { token } = await openStaffSession(db.pool, account.id);
    const found = await findStaffSession(db.pool, token);
    expect(found?.account).toMatchObject({ id: account.id, role: 'viewer' });
    expect(found?.csrfSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = (await db.pool.query(`SELECT encode(token_hash, 'hex') AS h FROM staff_sessions WHERE account_id = $1`, [account.id])).rows[0].h;
    expect(stored).not.toContain(Buffer.from(token).toString('hex'));
    expect(await findStaffSession(db.pool, 'x'.repeat(43))).toBeNull();
    expect(await findStaffSession(db.pool, "'; DROP TABLE staff_sessions; --")).toBeNull();
    await revokeStaffSession(db.pool, token);
    expect(await findStaffSession(db.pool, token)).toBeNull();
    const second = await openStaffSession(db.pool, account.id);
    await db.pool.query(`UPDATE staff_sessions SET expires_at = now() - interval '1 second' WHERE account_id = $1 AND revoked_at IS NULL`, [account.id]);
    expect(await findStaffSession(db.pool, second.token)).toBeNull();
  });
});
