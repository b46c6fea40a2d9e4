import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Organization } from './organization.entity';

export const STAFF_ROLES = ['admin', 'marketer', 'caller', 'viewer'] as const;
/**
 * admin: everything, including accounts; marketer: campaigns and reasons; caller: client cards
 * and calls; viewer: reads only. Enforced on the server for every page and API route.
 */
export type StaffRole = (typeof STAFF_ROLES)[number];

/** A person who signs in to the console. One organization per account; e-mail unique overall. */
@Entity({ name: 'staff_accounts' })
@Index('ux_staff_accounts_email', ['email'], { unique: true })
@Index('ix_staff_accounts_organization', ['organizationId'])
@Check('ck_staff_accounts_role', `role IN ('admin','marketer','caller','viewer')`)
export class StaffAccount {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_staff_accounts' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_staff_accounts_organization' })
  organization?: Organization;

  /** Lower-cased and NFKC-normalised, so one address cannot be registered twice in two spellings. */
  @Column({ type: 'text' })
  email: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName: string;

  @Column({ type: 'text' })
  role: StaffRole;

  /** argon2id, in its PHC string form (parameters and salt included). */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  /** Failed sign-ins since the last success or lock (a lock starts when it reaches the threshold). */
  @Column({ name: 'failed_logins', type: 'integer', default: 0 })
  failedLogins: number;

  /** Locks so far in this run of failures: the next lock lasts 2^lockouts minutes (capped); a success resets it. */
  @Column({ name: 'lockouts', type: 'integer', default: 0 })
  lockouts: number;

  /** Signing in is refused until then (an admin can clear it on the accounts page). */
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Column({ name: 'last_failed_login_at', type: 'timestamptz', nullable: true })
  lastFailedLoginAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/**
 * A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a copy of
 * the database cannot be used to sign in. Each session has its own CSRF secret.
 */
@Entity({ name: 'staff_sessions' })
@Index('ix_staff_sessions_account', ['accountId'])
export class StaffSession {
  @PrimaryColumn({ name: 'token_hash', type: 'bytea', primaryKeyConstraintName: 'pk_staff_sessions' })
  tokenHash: Buffer;

  @Column({ name: 'account_id', type: 'uuid' })
  accountId: string;

  @ManyToOne(() => StaffAccount, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'fk_staff_sessions_account' })
  account?: StaffAccount;

  @Column({ name: 'csrf_secret', type: 'text' })
  csrfSecret: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
