import { createTestDatabase, factories, type TestDatabase } from '@comeback/testing';
import { authenticateStaff, clearAccountLock, createStaffAccount } from './accounts';

describe('account lockout with back-off (real PostgreSQL)', () => {
  let db: TestDatabase;
  let orgId: string;
  const policy = { threshold: 3, maxLockMinutes: 4 };
  const state = async (email: string) =>
    (
      await db.pool.query(
        `SELECT failed_logins, lockouts, round(extract(epoch FROM locked_until - now()) / 60)::int AS minutes_left FROM staff_accounts WHERE email = $1`,
        [email],
      )
    ).rows[0];
  /** Moves the lock into the past, as if its minutes had gone by. */
  const expire = (email: string) => db.pool.query(`UPDATE staff_accounts SET locked_until = now() - interval '1 second' WHERE email = $1`, [email]);

  beforeAll(async () => {
    db = await createTestDatabase();
    orgId = (await factories(db.pool).organization()).id;
    await createStaffAccount(db.pool, { organizationId: orgId, email: 'lock@clinic.ge', displayName: 'Lock', role: 'viewer', password: 'the right passphrase' });
  });
  afterAll(async () => db.drop());

  it('locks after the threshold for 1, 2, 4 minutes, capped, refusing even the right password meanwhile', async () => {
    for (let i = 0; i < 2; i++) expect(await authenticateStaff(db.pool, 'lock@clinic.ge', 'wrong passphrase!', policy)).toBeNull();
    expect(await state('lock@clinic.ge')).toMatchObject({ failed_logins: 2, lockouts: 0, minutes_left: null });
    expect(await authenticateStaff(db.pool, 'lock@clinic.ge', 'wrong passphrase!', policy)).toBeNull();
    expect(await state('lock@clinic.ge')).toMatchObject({ failed_logins: 0, lockouts: 1, minutes_left: 1 });
    // Locked: the right password is refused too, and attempts meanwhile do not count.
    expect(await authenticateStaff(db.pool, 'lock@clinic.ge', 'the right passphrase', policy)).toBeNull();
    expect(await authenticateStaff(db.pool, 'lock@clinic.ge', 'wrong passphrase!', policy)).toBeNull();
    expect(await state('lock@clinic.ge')).toMatchObject({ failed_logins: 0, lockouts: 1 });

    const minutes: number[] = [];
    for (let round = 0; round < 3; round++) {
      await expire('lock@clinic.ge');
      for (let i = 0; i < 3; i++) await authenticateStaff(db.pool, 'lock@clinic.ge', 'wrong passphrase!', policy);
      minutes.push((await state('lock@clinic.ge')).minutes_left);
    }
    expect(minutes).toEqual([2, 4, 4]);
  });

  it('a success after the lock ends resets the failures and the back-off', async () => {
    await expire('lock@clinic.ge');
    await authenticateStaff(db.pool, 'lock@clinic.ge', 'wrong passphrase!', policy);
    expect(await authenticateStaff(db.pool, 'lock@clinic.ge', 'the right passphrase', policy)).toMatchObject({ email: 'lock@clinic.ge' });
    expect(await state('lock@clinic.ge')).toMatchObject({ failed_logins: 0, lockouts: 0, minutes_left: null });
  });

  it('concurrent wrong passwords all count', async () => {
    await Promise.all([1, 2, 3].map(() => authenticateStaff(db.pool, 'lock@clinic.ge', 'wrong passphrase!', policy)));
    expect(await state('lock@clinic.ge')).toMatchObject({ failed_logins: 0, lockouts: 1, minutes_left: 1 });
  });

  it('an administrator clears a lock in their own organization only', async () => {
    const { rows } = await db.pool.query(`SELECT id FROM staff_accounts WHERE email = 'lock@clinic.ge'`);
    const other = (await factories(db.pool).organization()).id;
    expect(await clearAccountLock(db.pool, other, rows[0].id)).toBe(false);
    expect((await state('lock@clinic.ge')).lockouts).toBe(1);
    expect(await clearAccountLock(db.pool, orgId, rows[0].id)).toBe(true);
    expect(await state('lock@clinic.ge')).toMatchObject({ failed_logins: 0, lockouts: 0, minutes_left: null });
    expect(await authenticateStaff(db.pool, 'lock@clinic.ge', 'the right passphrase', policy)).not.toBeNull();
  });

  it('an unknown e-mail costs about what a known one does (one argon2id verification each)', async () => {
    const time = async (email: string) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < 5; i++) await authenticateStaff(db.pool, email, 'wrong passphrase!', { threshold: 1000, maxLockMinutes: 1 });
      return Number(process.hrtime.bigint() - t0) / 5e6;
    };
    await time('nobody@clinic.ge'); // the decoy hash is made once
    const unknown = await time('nobody@clinic.ge');
    const known = await time('lock@clinic.ge');
    expect(unknown / known).toBeGreaterThan(0.5);
    expect(unknown / known).toBeLessThan(2);
  });
});
