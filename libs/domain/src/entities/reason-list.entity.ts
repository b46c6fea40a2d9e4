import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { ChurnReason } from './churn-reason.entity';
import { Organization } from './organization.entity';

/** A reason's canonical label in one locale (the label on churn_reasons is the organization's default). */
@Entity({ name: 'reason_labels' })
export class ReasonLabel {
  @PrimaryColumn({ name: 'reason_id', type: 'bigint', primaryKeyConstraintName: 'pk_reason_labels' })
  reasonId: string;

  @ManyToOne(() => ChurnReason, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'reason_id', foreignKeyConstraintName: 'fk_reason_labels_reason' })
  reason?: ChurnReason;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_reason_labels' })
  locale: string;

  @Column({ type: 'text' })
  label: string;
}

/**
 * A normalised text that means a reason: its labels, and what staff or the matcher learned
 * ("expensive", "prices went up" -> Too expensive). Unique per organization: one text, one reason.
 */
@Entity({ name: 'reason_aliases' })
@Index('ix_reason_aliases_reason', ['reasonId'])
export class ReasonAlias {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid', primaryKeyConstraintName: 'pk_reason_aliases' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_reason_aliases_organization' })
  organization?: Organization;

  /** normaliseReasonText of the text. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_reason_aliases' })
  normalized: string;

  @Column({ name: 'reason_id', type: 'bigint' })
  reasonId: string;

  @ManyToOne(() => ChurnReason, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'reason_id', foreignKeyConstraintName: 'fk_reason_aliases_reason' })
  reason?: ChurnReason;

  /** 'label', 'learned' (staff mapped a candidate), 'staff'. */
  @Column({ type: 'text' })
  source: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}

/**
 * Free text the matcher could not place with confidence: staff accept it as a new reason, map it
 * to an existing one (learned as an alias), or dismiss it. One per organization and normalised text.
 */
@Entity({ name: 'reason_candidates' })
@Index('ux_reason_candidates_org_text', ['organizationId', 'normalized'], { unique: true })
@Index('ix_reason_candidates_open', ['organizationId', 'status'])
@Check('ck_reason_candidates_status', `status IN ('open','accepted','mapped','dismissed')`)
export class ReasonCandidate {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_reason_candidates' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_reason_candidates_organization' })
  organization?: Organization;

  @Column({ type: 'text' })
  normalized: string;

  /** The first text as a client wrote it. */
  @Column({ name: 'sample_text', type: 'text' })
  sampleText: string;

  @Column({ type: 'integer', default: 1 })
  occurrences: number;

  @Column({ type: 'text', default: 'open' })
  status: string;

  /** The reason it became or was mapped to. */
  @Column({ name: 'reason_id', type: 'bigint', nullable: true })
  reasonId: string | null;

  @ManyToOne(() => ChurnReason, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'reason_id', foreignKeyConstraintName: 'fk_reason_candidates_reason' })
  reason?: ChurnReason;

  /** The closest existing reason when it was seen, and how close (below the match threshold). */
  @Column({ name: 'best_reason_id', type: 'bigint', nullable: true })
  bestReasonId: string | null;

  @Column({ name: 'best_score', type: 'real', nullable: true })
  bestScore: number | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;
}
