import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from './organization.entity';

export const SWEEP_KINDS = ['full', 'incremental'] as const;
export type SweepKind = (typeof SWEEP_KINDS)[number];
export const SWEEP_TRIGGERS = ['nightly', 'on_demand'] as const;
export type SweepTrigger = (typeof SWEEP_TRIGGERS)[number];
export const SWEEP_STATUSES = ['planned', 'running', 'done', 'failed'] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

/**
 * One run of the lapse detector over an organization. A nightly sweep is unique per organization
 * and local date, so replicas that both receive the nightly job still run it once.
 */
@Entity({ name: 'lapse_sweeps' })
@Index('ux_lapse_sweeps_nightly', ['organizationId', 'asOf'], { unique: true, where: `"trigger" = 'nightly'` })
@Index('ix_lapse_sweeps_org_requested', ['organizationId', 'requestedAt'])
@Check('ck_lapse_sweeps_kind', `kind IN ('full','incremental')`)
@Check('ck_lapse_sweeps_trigger', `"trigger" IN ('nightly','on_demand')`)
@Check('ck_lapse_sweeps_status', `status IN ('planned','running','done','failed')`)
export class LapseSweep {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_lapse_sweeps' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_lapse_sweeps_organization' })
  organization?: Organization;

  @Column({ type: 'text' })
  kind: SweepKind;

  @Column({ type: 'text' })
  trigger: SweepTrigger;

  @Column({ type: 'text', default: 'planned' })
  status: SweepStatus;

  /** The organization's local date the sweep judges clients on. */
  @Column({ name: 'as_of', type: 'date' })
  asOf: string;

  /** Incremental sweeps look at visits and payments recorded after this instant. */
  @Column({ type: 'timestamptz', nullable: true })
  since: Date | null;

  /**
   * Every row recorded before this instant was visible to this sweep: the start of the oldest
   * transaction still open when it was planned. The next incremental sweep starts from here.
   */
  @Column({ name: 'covers_before', type: 'timestamptz', nullable: true })
  coversBefore: Date | null;

  /** The settings the sweep used (a copy: settings may change later). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  settings: Record<string, unknown>;

  /**
   * Value-tier cut-offs of this sweep: the revenue of the last 12 months from which a client is
   * tier 1 (top 20% of the organization's regulars) and tier 2 (top 50%), from the rhythms of the
   * sweep before. Null on a first sweep: each chunk then uses its own regulars (50,000 clients).
   */
  @Column({ name: 'tier1_revenue', type: 'numeric', precision: 14, scale: 2, nullable: true })
  tier1Revenue: string | null;

  @Column({ name: 'tier2_revenue', type: 'numeric', precision: 14, scale: 2, nullable: true })
  tier2Revenue: string | null;

  @Column({ name: 'model_fit_id', type: 'bigint', nullable: true })
  modelFitId: string | null;

  @Column({ name: 'chunks_total', type: 'integer', default: 0 })
  chunksTotal: number;

  @Column({ name: 'chunks_done', type: 'integer', default: 0 })
  chunksDone: number;

  @Column({ name: 'clients_scored', type: 'integer', default: 0 })
  clientsScored: number;

  @Column({ name: 'events_emitted', type: 'integer', default: 0 })
  eventsEmitted: number;

  @Column({ name: 'requested_at', type: 'timestamptz', default: () => 'now()' })
  requestedAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;
}

/** A range of client ids of a sweep: one job, one transaction, done once. */
@Entity({ name: 'lapse_sweep_chunks' })
export class LapseSweepChunk {
  @PrimaryColumn({ name: 'sweep_id', type: 'bigint', primaryKeyConstraintName: 'pk_lapse_sweep_chunks' })
  sweepId: string;

  @ManyToOne(() => LapseSweep, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'sweep_id', foreignKeyConstraintName: 'fk_lapse_sweep_chunks_sweep' })
  sweep?: LapseSweep;

  @PrimaryColumn({ name: 'chunk_index', type: 'integer', primaryKeyConstraintName: 'pk_lapse_sweep_chunks' })
  chunkIndex: number;

  @Column({ name: 'first_client_id', type: 'bigint' })
  firstClientId: string;

  @Column({ name: 'last_client_id', type: 'bigint' })
  lastClientId: string;

  @Column({ name: 'clients_scored', type: 'integer', default: 0 })
  clientsScored: number;

  @Column({ name: 'done_at', type: 'timestamptz', nullable: true })
  doneAt: Date | null;
}

/** A BG/NBD fit of an organization's history (parameters per day). */
@Entity({ name: 'lapse_model_fits' })
@Index('ix_lapse_model_fits_org_fitted', ['organizationId', 'fittedAt'])
export class LapseModelFit {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_lapse_model_fits' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_lapse_model_fits_organization' })
  organization?: Organization;

  @Column({ name: 'as_of', type: 'date' })
  asOf: string;

  @Column({ type: 'double precision' })
  r: number;

  @Column({ type: 'double precision' })
  alpha: number;

  @Column({ type: 'double precision' })
  a: number;

  @Column({ type: 'double precision' })
  b: number;

  @Column({ name: 'log_likelihood', type: 'double precision' })
  logLikelihood: number;

  @Column({ type: 'integer' })
  clients: number;

  @Column({ type: 'double precision' })
  seconds: number;

  @Column({ name: 'fitted_at', type: 'timestamptz', default: () => 'now()' })
  fittedAt: Date;
}
