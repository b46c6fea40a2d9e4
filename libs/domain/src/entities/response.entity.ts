import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { ChurnReason } from './churn-reason.entity';
import { Organization } from './organization.entity';
import { StaffAccount } from './staff-account.entity';

/**
 * Every inbound request a public endpoint accepted (a provider's webhook, a feedback form, an
 * unsubscribe), kept as received before anything is made of it: the ledger of the durable intake.
 * Unique on (source, idempotency key): a provider retrying the same callback (Twilio MessageSid,
 * Viber message_token) is the same row and changes nothing.
 */
@Entity({ name: 'inbound_requests' })
@Index('ux_inbound_requests_source_key', ['source', 'idempotencyKey'], { unique: true })
@Index('ix_inbound_requests_pending', ['receivedAt'], { where: `status = 'pending'` })
@Check('ck_inbound_requests_status', `status IN ('pending','processed','failed')`)
export class InboundRequest {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_inbound_requests' })
  id: string;

  /** 'twilio-sms', 'twilio-voice', 'twilio-status', 'viber', 'feedback', 'unsubscribe'. */
  @Column({ type: 'text' })
  source: string;

  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey: string;

  /** The request as verified: the parsed form or JSON body, and the URL it came to. */
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ type: 'text', default: 'pending' })
  status: 'pending' | 'processed' | 'failed';

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;
}

/**
 * What a client said back, on any channel: matched to the client and the outreach it answers when
 * it can be (channel identity and recency), else kept for staff as from an unknown sender.
 */
@Entity({ name: 'replies' })
@Index('ix_replies_org_received', ['organizationId', 'receivedAt'])
@Index('ix_replies_org_client', ['organizationId', 'clientId'])
@Index('ux_replies_inbound_request', ['inboundRequestId'], { unique: true, where: 'inbound_request_id IS NOT NULL' })
@Check('ck_replies_kind', `kind IN ('reason','free_text','opt_out','opt_in','help','keypad','feedback','unknown_sender')`)
export class Reply {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_replies' })
  id: string;

  /** Null for a sender no organization could be found for (kept for review, never dropped). */
  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId: string | null;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_replies_organization' })
  organization?: Organization;

  @Column({ name: 'client_id', type: 'bigint', nullable: true })
  clientId: string | null;

  @Column({ name: 'message_id', type: 'bigint', nullable: true })
  messageId: string | null;

  @Column({ name: 'episode_id', type: 'bigint', nullable: true })
  episodeId: string | null;

  @Column({ type: 'text' })
  channel: string;

  /** Phone, e-mail or Viber id the reply came from. */
  @Column({ name: 'from_address', type: 'text', nullable: true })
  fromAddress: string | null;

  /** The client's words as received (NFKC-normalised). */
  @Column({ type: 'text', nullable: true })
  text: string | null;

  @Column({ type: 'text' })
  kind: string;

  @Column({ name: 'reason_id', type: 'bigint', nullable: true })
  reasonId: string | null;

  @ManyToOne(() => ChurnReason, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'reason_id', foreignKeyConstraintName: 'fk_replies_reason' })
  reason?: ChurnReason;

  @Column({ name: 'candidate_id', type: 'bigint', nullable: true })
  candidateId: string | null;

  /** How sure the automatic match was (1 for an exact alias or a digit). */
  @Column({ name: 'match_score', type: 'real', nullable: true })
  matchScore: number | null;

  /** 'digit', 'keypad', 'alias', 'fuzzy', 'form', 'staff'. */
  @Column({ name: 'matched_by', type: 'text', nullable: true })
  matchedBy: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;

  @Column({ name: 'inbound_request_id', type: 'bigint', nullable: true })
  inboundRequestId: string | null;

  /** Whether staff still need to look at it (unknown sender, a new candidate reason). */
  @Column({ name: 'needs_review', type: 'boolean', default: false })
  needsReview: boolean;
}

/** A client's answer on the feedback page: one per message (submitting again updates it). */
@Entity({ name: 'feedback_responses' })
@Check('ck_feedback_responses_rating', `rating IS NULL OR rating BETWEEN 1 AND 5`)
export class FeedbackResponse {
  @PrimaryColumn({ name: 'message_id', type: 'bigint', primaryKeyConstraintName: 'pk_feedback_responses' })
  messageId: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_feedback_responses_organization' })
  organization?: Organization;

  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;

  @Column({ name: 'reason_id', type: 'bigint', nullable: true })
  reasonId: string | null;

  @Column({ name: 'free_text', type: 'text', nullable: true })
  freeText: string | null;

  @Column({ name: 'call_me', type: 'boolean', default: false })
  callMe: boolean;

  @Column({ name: 'call_time', type: 'text', nullable: true })
  callTime: string | null;

  @Column({ type: 'smallint', nullable: true })
  rating: number | null;

  @Column({ name: 'submitted_at', type: 'timestamptz', default: () => 'now()' })
  submittedAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/**
 * A call to make to a lost client: the most valuable go to managers, those who asked for a call
 * or cannot be reached otherwise to the retention team; one per client and win-back cycle.
 */
@Entity({ name: 'call_tasks' })
@Index('ux_call_tasks_client_cycle', ['organizationId', 'clientId', 'cycle'], { unique: true })
@Index('ix_call_tasks_open', ['organizationId', 'queue', 'status'])
@Index('ix_call_tasks_client', ['organizationId', 'clientId'])
@Check('ck_call_tasks_queue', `queue IN ('managers','retention')`)
@Check('ck_call_tasks_status', `status IN ('open','done','call_back','no_answer','closed')`)
export class CallTask {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_call_tasks' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_call_tasks_organization' })
  organization?: Organization;

  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;

  @Column({ name: 'episode_id', type: 'bigint', nullable: true })
  episodeId: string | null;

  /** The win-back cycle (its first day) the task belongs to. */
  @Column({ type: 'date' })
  cycle: string;

  @Column({ type: 'text' })
  queue: 'managers' | 'retention';

  /** 'top_value', 'asked', 'unreachable'. */
  @Column({ type: 'text' })
  source: string;

  @Column({ name: 'preferred_time', type: 'text', nullable: true })
  preferredTime: string | null;

  @Column({ type: 'text', default: 'open' })
  status: string;

  @Column({ name: 'reason_id', type: 'bigint', nullable: true })
  reasonId: string | null;

  @Column({ name: 'offer_made', type: 'text', nullable: true })
  offerMade: string | null;

  @Column({ name: 'agreed_to_return', type: 'boolean', nullable: true })
  agreedToReturn: boolean | null;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ name: 'done_by', type: 'uuid', nullable: true })
  doneBy: string | null;

  /** The caller who took the task (so two callers do not ring the same client); null: anyone's. */
  @Column({ name: 'assigned_to', type: 'uuid', nullable: true })
  assignedTo: string | null;

  @ManyToOne(() => StaffAccount, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'assigned_to', foreignKeyConstraintName: 'fk_call_tasks_assigned_to' })
  assignee?: StaffAccount;

  /** When to ring again ('call_back'). */
  @Column({ name: 'call_back_at', type: 'timestamptz', nullable: true })
  callBackAt: Date | null;

  /** Calls made so far (each one is a call_outcomes row). */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** The client's 12-month revenue when the task was made: what put a top-value client on the list. */
  @Column({ name: 'value_at_creation', type: 'numeric', precision: 14, scale: 2, nullable: true })
  valueAtCreation: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/**
 * One call made from the call list and what came of it: reached (with the reason, the offer made
 * and whether the client agreed to come back), call back later, no answer, do not call again (the
 * client's calls consent is revoked), or a wrong number. A task's calls are its history; the last
 * one sets the task's status.
 */
@Entity({ name: 'call_outcomes' })
@Index('ix_call_outcomes_task', ['taskId'])
@Index('ix_call_outcomes_org_client', ['organizationId', 'clientId'])
@Check('ck_call_outcomes_outcome', `outcome IN ('reached','call_back','no_answer','do_not_call','wrong_number')`)
export class CallOutcome {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_call_outcomes' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_call_outcomes_organization' })
  organization?: Organization;

  @Column({ name: 'task_id', type: 'bigint' })
  taskId: string;

  @ManyToOne(() => CallTask, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'task_id', foreignKeyConstraintName: 'fk_call_outcomes_task' })
  task?: CallTask;

  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;

  @Column({ type: 'text' })
  outcome: 'reached' | 'call_back' | 'no_answer' | 'do_not_call' | 'wrong_number';

  @Column({ name: 'reason_id', type: 'bigint', nullable: true })
  reasonId: string | null;

  @ManyToOne(() => ChurnReason, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'reason_id', foreignKeyConstraintName: 'fk_call_outcomes_reason' })
  reason?: ChurnReason;

  /** What the client said, in their words. */
  @Column({ name: 'client_words', type: 'text', nullable: true })
  clientWords: string | null;

  @Column({ name: 'offer_made', type: 'text', nullable: true })
  offerMade: string | null;

  /** true: agreed to come back; false: declined; null: undecided or not reached. */
  @Column({ name: 'agreed_to_return', type: 'boolean', nullable: true })
  agreedToReturn: boolean | null;

  @Column({ name: 'call_back_at', type: 'timestamptz', nullable: true })
  callBackAt: Date | null;

  @Column({ type: 'text', nullable: true })
  note: string | null;

  @Column({ name: 'recorded_by', type: 'uuid', nullable: true })
  recordedBy: string | null;

  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' })
  recordedAt: Date;
}
