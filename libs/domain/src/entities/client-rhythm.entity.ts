import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Organization } from './organization.entity';

export const RHYTHM_STATUSES = ['once', 'new', 'active', 'at_risk', 'lapsed'] as const;
/**
 * once: a single visit day ("came once", not a lost regular); new: fewer visits or less tenure than
 * the organization asks before judging; active / at_risk / lapsed: judged by the client's rhythm.
 */
export type RhythmStatus = (typeof RHYTHM_STATUSES)[number];

/**
 * The lapse detector's view of one client after the last sweep that scored them: the summary of
 * their history, the rhythm numbers shown on the card, and the day their status would change if
 * they made no visit (`next_check_on`), so the nightly sweep re-scores only clients whose state
 * can have changed. Written only by the sweep (set-based SQL).
 */
@Entity({ name: 'client_rhythms' })
@Index('ix_client_rhythms_org_next_check', ['organizationId', 'nextCheckOn'], { where: 'next_check_on IS NOT NULL' })
@Check('ck_client_rhythms_status', `status IN ('once','new','active','at_risk','lapsed')`)
export class ClientRhythm {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid', primaryKeyConstraintName: 'pk_client_rhythms' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_client_rhythms_organization' })
  organization?: Organization;

  @PrimaryColumn({ name: 'client_id', type: 'bigint', primaryKeyConstraintName: 'pk_client_rhythms' })
  clientId: string;

  @Column({ type: 'text' })
  status: RhythmStatus;

  /** Distinct local days with a visit (same-day visits count once). */
  @Column({ name: 'visit_days', type: 'integer' })
  visitDays: number;

  @Column({ name: 'first_visit_on', type: 'date' })
  firstVisitOn: string;

  @Column({ name: 'last_visit_on', type: 'date' })
  lastVisitOn: string;

  @Column({ name: 'last_visit_at', type: 'timestamptz' })
  lastVisitAt: Date;

  /** Median of the most recent gaps between visit days, with the organization's floor. */
  @Column({ name: 'usual_gap_days', type: 'double precision', nullable: true })
  usualGapDays: number | null;

  @Column({ type: 'boolean', default: false })
  gradual: boolean;

  /** BG/NBD P(alive) on `scored_on` (null under the cadence rule). */
  @Column({ name: 'p_alive', type: 'double precision', nullable: true })
  pAlive: number | null;

  /** BG/NBD expected visits in the 90 days after `scored_on` (conditional on the history; null under the cadence rule). */
  @Column({ name: 'expected_visits_90d', type: 'double precision', nullable: true })
  expectedVisits90d: number | null;

  /** The first day the status changes if no visit comes; null when it cannot change that way. */
  @Column({ name: 'next_check_on', type: 'date', nullable: true })
  nextCheckOn: string | null;

  @Column({ name: 'lifetime_visits', type: 'integer' })
  lifetimeVisits: number;

  @Column({ name: 'lifetime_revenue', type: 'numeric', precision: 14, scale: 2 })
  lifetimeRevenue: string;

  /** Revenue in the 12 months up to the last visit (what the business loses if they leave). */
  @Column({ name: 'revenue_12m', type: 'numeric', precision: 14, scale: 2 })
  revenue12m: string;

  @Column({ name: 'scored_on', type: 'date' })
  scoredOn: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
