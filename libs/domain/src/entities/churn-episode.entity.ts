import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, JoinColumn, ManyToOne, UpdateDateColumn } from 'typeorm';
import { ChurnReason } from './churn-reason.entity';
import { Client } from './client.entity';
import { Organization } from './organization.entity';
import { Service } from './service.entity';
import { StaffAccount } from './staff-account.entity';
import { StaffMember } from './staff-member.entity';

/**
 * at_risk and lapsed are open; returned (a lapsed client came back), recovered (an at-risk client
 * came back before lapsing) and dismissed (staff closed it) are closed.
 */
export const EPISODE_STATUSES = ['at_risk', 'lapsed', 'returned', 'recovered', 'dismissed'] as const;
export type EpisodeStatus = (typeof EPISODE_STATUSES)[number];
export const CHURN_TYPES = ['voluntary', 'involuntary', 'passive'] as const;
export type ChurnType = (typeof CHURN_TYPES)[number];
export const DETECTION_METHODS = ['cadence', 'bgnbd'] as const;
export type DetectionMethod = (typeof DETECTION_METHODS)[number];

/**
 * The leaving record on a client card: opened when a client becomes at risk or lapses, closed
 * when they return. A client has at most one open episode (partial unique index).
 */
@Entity({ name: 'churn_episodes' })
@Index('ux_churn_episodes_open_client', ['clientId'], { unique: true, where: `status IN ('at_risk','lapsed')` })
@Index('ix_churn_episodes_org_status_detected', ['organizationId', 'status', 'detectedAt'])
@Index('ix_churn_episodes_org_left', ['organizationId', 'leftOn'])
@Index('ix_churn_episodes_org_client', ['organizationId', 'clientId'])
@Index('ix_churn_episodes_open_value', ['organizationId', 'revenue12m', 'id'], { where: `status IN ('at_risk','lapsed')` })
// The episode reports (gone, lost business, reasons, churn types) read this index alone.
@Index('ix_churn_episodes_gone', ['organizationId', 'leftOn', 'reasonId', 'churnType', 'gradual', 'revenue12m'], { where: `lapsed_at IS NOT NULL AND status <> 'dismissed'` })
@Index('ix_churn_episodes_open_detected', ['organizationId', 'detectedAt', 'id'], { where: `status IN ('at_risk','lapsed')` })
@Index('ix_churn_episodes_open_overdue', ['organizationId', 'expectedNextVisitAt', 'id'], { where: `status IN ('at_risk','lapsed')` })
@Check('ck_churn_episodes_status', `status IN ('at_risk','lapsed','returned','recovered','dismissed')`)
@Check('ck_churn_episodes_type', `churn_type IS NULL OR churn_type IN ('voluntary','involuntary','passive')`)
@Check('ck_churn_episodes_method', `method IN ('cadence','bgnbd')`)
export class ChurnEpisode {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_churn_episodes' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_churn_episodes_organization' })
  organization?: Organization;

  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;

  /** By (organization_id, client_id): an episode cannot point at another business's client. */
  @ManyToOne(() => Client, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'organization_id', referencedColumnName: 'organizationId', foreignKeyConstraintName: 'fk_churn_episodes_client' },
    { name: 'client_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_churn_episodes_client' },
  ])
  client?: Client;

  @Column({ type: 'text' })
  status: EpisodeStatus;

  @Column({ name: 'detected_at', type: 'timestamptz' })
  detectedAt: Date;

  @Column({ name: 'last_visit_at', type: 'timestamptz' })
  lastVisitAt: Date;

  /** The date of leaving shown on the card (by default the day after the last visit). */
  @Column({ name: 'left_on', type: 'date', nullable: true })
  leftOn: string | null;

  @Column({ name: 'churn_type', type: 'text', nullable: true })
  churnType: ChurnType | null;

  /** True when the client's gaps were lengthening before the lapse (passive drift). */
  @Column({ type: 'boolean', default: false })
  gradual: boolean;

  @Column({ type: 'text' })
  method: DetectionMethod;

  /** Method-specific: days overdue / usual gap for cadence, P(alive) for BG/NBD. */
  @Column({ type: 'double precision', nullable: true })
  score: number | null;

  /** BG/NBD probability that the client is still a client, at detection (null for the cadence rule). */
  @Column({ name: 'p_alive', type: 'double precision', nullable: true })
  pAlive: number | null;

  /** BG/NBD expected visits in the 90 days after detection (null for the cadence rule). */
  @Column({ name: 'expected_visits_90d', type: 'double precision', nullable: true })
  expectedVisits90d: number | null;

  @Column({ name: 'usual_gap_days', type: 'double precision', nullable: true })
  usualGapDays: number | null;

  @Column({ name: 'expected_next_visit_at', type: 'timestamptz', nullable: true })
  expectedNextVisitAt: Date | null;

  @Column({ name: 'lifetime_visits', type: 'integer', default: 0 })
  lifetimeVisits: number;

  @Column({ name: 'lifetime_revenue', type: 'numeric', precision: 14, scale: 2, default: 0 })
  lifetimeRevenue: string;

  @Column({ name: 'revenue_12m', type: 'numeric', precision: 14, scale: 2, default: 0 })
  revenue12m: string;

  /** 1 = most valuable. */
  @Column({ name: 'value_tier', type: 'smallint', nullable: true })
  valueTier: number | null;

  @Column({ name: 'reason_id', type: 'bigint', nullable: true })
  reasonId: string | null;

  @ManyToOne(() => ChurnReason, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'reason_id', foreignKeyConstraintName: 'fk_churn_episodes_reason' })
  reason?: ChurnReason;

  /** The client's or staff's own words about why, kept as written (NFKC-normalised). */
  @Column({ name: 'reason_note', type: 'text', nullable: true })
  reasonNote: string | null;

  /** Where the reason came from: a channel of the client's reply ('sms', 'viber', 'voice', 'feedback'), or 'staff'. */
  @Column({ name: 'reason_channel', type: 'text', nullable: true })
  reasonChannel: string | null;

  /** The staff member of the client's last visit before leaving (the lost-clients list filters on it). */
  @Column({ name: 'staff_member_id', type: 'bigint', nullable: true })
  staffMemberId: string | null;

  @ManyToOne(() => StaffMember, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'staff_member_id', foreignKeyConstraintName: 'fk_churn_episodes_staff_member' })
  staffMember?: StaffMember;

  /** The service of the client's last visit before leaving. */
  @Column({ name: 'service_id', type: 'bigint', nullable: true })
  serviceId: string | null;

  @ManyToOne(() => Service, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'service_id', foreignKeyConstraintName: 'fk_churn_episodes_service' })
  service?: Service;

  /** When staff recorded the reason on the card (null when it came from the client or nobody). */
  @Column({ name: 'reason_set_at', type: 'timestamptz', nullable: true })
  reasonSetAt: Date | null;

  @Column({ name: 'reason_set_by', type: 'uuid', nullable: true })
  reasonSetBy: string | null;

  @ManyToOne(() => StaffAccount, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'reason_set_by', foreignKeyConstraintName: 'fk_churn_episodes_reason_set_by' })
  reasonSetByAccount?: StaffAccount;

  /** When the episode became lapsed (null while only at risk). */
  @Column({ name: 'lapsed_at', type: 'timestamptz', nullable: true })
  lapsedAt: Date | null;

  @Column({ name: 'returned_at', type: 'timestamptz', nullable: true })
  returnedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
