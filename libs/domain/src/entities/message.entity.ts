import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Campaign } from './campaign.entity';
import type { Channel } from './channel';
import { Organization } from './organization.entity';

/**
 * Where a message stands. queued -> sending (claimed by a dispatcher, provider being called) ->
 * sent (provider accepted) -> delivered | undelivered (provider callbacks). failed: the provider
 * refused it for good; dead: given up (permanent failure or retries exhausted), listed for staff
 * with a retry; in_doubt: a dispatcher died between the provider call and recording its outcome and
 * the provider cannot say whether it accepted: never resent blindly, resolved by a status callback
 * or by staff; cancelled: the campaign was cancelled before it went.
 */
export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'dead', 'in_doubt', 'cancelled'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** One message of a campaign to one client on one channel (unique), rendered at fan-out. */
@Entity({ name: 'messages' })
@Index('ux_messages_campaign_client_channel', ['campaignId', 'clientId', 'channel'], { unique: true })
@Index('ix_messages_campaign_status', ['campaignId', 'status'])
@Index('ix_messages_org_client_sent', ['organizationId', 'clientId', 'sentAt'])
@Index('ux_messages_feedback_token', ['feedbackTokenHash'], { unique: true, where: 'feedback_token_hash IS NOT NULL' })
@Index('ux_messages_fallback_of', ['fallbackOf'], { unique: true, where: 'fallback_of IS NOT NULL' })
@Check('ck_messages_channel', `channel IN ('sms','email','viber','voice')`)
@Check('ck_messages_status', `status IN ('queued','sending','sent','delivered','undelivered','failed','dead','in_doubt','cancelled')`)
export class Message {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_messages' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_messages_organization' })
  organization?: Organization;

  @Column({ name: 'campaign_id', type: 'bigint' })
  campaignId: string;

  @ManyToOne(() => Campaign, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'campaign_id', foreignKeyConstraintName: 'fk_messages_campaign' })
  campaign?: Campaign;

  @Column({ name: 'client_id', type: 'bigint' })
  clientId: string;

  @Column({ type: 'text' })
  channel: Channel;

  @Column({ type: 'text', default: 'queued' })
  status: MessageStatus;

  /** E.164 phone, e-mail address or Viber id, as it was when the message was rendered. */
  @Column({ name: 'to_address', type: 'text' })
  toAddress: string;

  @Column({ type: 'text' })
  locale: string;

  /** The rendered parts of the channel. */
  @Column({ type: 'jsonb' })
  content: Record<string, unknown>;

  /** SHA-256 of the personal feedback/opt-out token in the message's links (the token itself is never stored). */
  @Column({ name: 'feedback_token_hash', type: 'bytea', nullable: true })
  feedbackTokenHash: Buffer | null;

  /** SMS segments. */
  @Column({ type: 'integer', nullable: true })
  segments: number | null;

  @Column({ type: 'numeric', precision: 12, scale: 4, nullable: true })
  cost: string | null;

  /** Not before this instant (quiet hours in the client's timezone). */
  @Column({ name: 'not_before', type: 'timestamptz', nullable: true })
  notBefore: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ type: 'text', nullable: true })
  provider: string | null;

  @Column({ name: 'provider_message_id', type: 'text', nullable: true })
  providerMessageId: string | null;

  @Column({ name: 'last_error_code', type: 'text', nullable: true })
  lastErrorCode: string | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'queued_at', type: 'timestamptz', default: () => 'now()' })
  queuedAt: Date;

  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true })
  claimedAt: Date | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt: Date | null;

  /** The earlier-channel message this one replaces (not delivered in time, or refused); a message has at most one fallback. */
  @Column({ name: 'fallback_of', type: 'bigint', nullable: true })
  fallbackOf: string | null;

  /** The provider will report this message's delivery (callback asked for, or delivered on accept): only then can it be "undelivered after N hours". */
  @Column({ name: 'receipts_expected', type: 'boolean', default: false })
  receiptsExpected: boolean;

  /** When staff (or an erasure) revoked the message's feedback link: it answers 410 from then on. */
  @Column({ name: 'feedback_revoked_at', type: 'timestamptz', nullable: true })
  feedbackRevokedAt: Date | null;

  /** When the client answered this message. A replied message never falls back. */
  @Column({ name: 'replied_at', type: 'timestamptz', nullable: true })
  repliedAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/**
 * What the sandbox provider accepted: the outbox staff see in the demo and in development. No
 * unique key on message_id on purpose: a message sent twice shows as two rows.
 */
@Entity({ name: 'sandbox_messages' })
@Index('ix_sandbox_messages_message', ['messageId'])
@Index('ix_sandbox_messages_org_accepted', ['organizationId', 'acceptedAt'])
@Check('ck_sandbox_messages_direction', `direction IN ('out','in')`)
export class SandboxMessage {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_sandbox_messages' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ name: 'message_id', type: 'bigint' })
  messageId: string;

  @Column({ type: 'text' })
  channel: Channel;

  @Column({ name: 'to_address', type: 'text' })
  toAddress: string;

  @Column({ type: 'jsonb' })
  content: Record<string, unknown>;

  /** 'out': what the sandbox provider sent; 'in': a reply staff simulated in the sandbox inbox. */
  @Column({ type: 'text', default: 'out' })
  direction: 'out' | 'in';

  @Column({ name: 'accepted_at', type: 'timestamptz', default: () => 'now()' })
  acceptedAt: Date;
}
