import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Channel } from './channel';
import { Organization } from './organization.entity';
import { StaffAccount } from './staff-account.entity';

/**
 * One message template: a template key (e.g. "feedback-request") has a variant per channel and
 * locale; a campaign names the key and each recipient gets the variant of their channel and
 * locale (with fallbacks). `parts` is the channel's parts (see @comeback/templates), validated on
 * save.
 */
@Entity({ name: 'message_templates' })
@Index('ux_message_templates_key_channel_locale', ['organizationId', 'key', 'channel', 'locale'], { unique: true })
@Check('ck_message_templates_channel', `channel IN ('sms','email','viber','voice')`)
export class MessageTemplate {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_message_templates' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_message_templates_organization' })
  organization?: Organization;

  @Column({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  channel: Channel;

  /** Normalised BCP-47 tag ('ka', 'ka-GE', 'en'). */
  @Column({ type: 'text' })
  locale: string;

  @Column({ type: 'jsonb' })
  parts: Record<string, unknown>;

  @Column({ name: 'updated_by', type: 'uuid', nullable: true })
  updatedBy: string | null;

  @ManyToOne(() => StaffAccount, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'updated_by', foreignKeyConstraintName: 'fk_message_templates_updated_by' })
  updatedByAccount?: StaffAccount;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'done', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/**
 * A mass mailing to an audience of lost clients: draft -> scheduled -> running -> done, with
 * pause, resume and cancel. `audience` holds the lost-clients filters and the campaign's own
 * (last visit range, reachability); `channels` is the order tried per client.
 */
@Entity({ name: 'campaigns' })
@Index('ix_campaigns_org_created', ['organizationId', 'createdAt'])
@Check('ck_campaigns_status', `status IN ('draft','scheduled','running','paused','done','cancelled')`)
@Check('ck_campaigns_control_share', `control_share >= 0 AND control_share < 1`)
export class Campaign {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_campaigns' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_campaigns_organization' })
  organization?: Organization;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', default: 'draft' })
  status: CampaignStatus;

  @Column({ name: 'template_key', type: 'text' })
  templateKey: string;

  @Column({ type: 'text', array: true })
  channels: Channel[];

  /** Try the next channel when a message is not delivered within this many hours (null: no fallback). */
  @Column({ name: 'fallback_after_hours', type: 'integer', nullable: true })
  fallbackAfterHours: number | null;

  /** Share of the audience held out (not contacted), to measure the lift. */
  @Column({ name: 'control_share', type: 'numeric', precision: 4, scale: 3, default: 0 })
  controlShare: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  audience: Record<string, unknown>;

  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true })
  scheduledAt: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** When the fan-out wrote the last message; a running campaign is not done before. */
  @Column({ name: 'fanned_out_at', type: 'timestamptz', nullable: true })
  fannedOutAt: Date | null;

  /** Recipients contacted (audience minus the control group), set at fan-out. */
  @Column({ type: 'integer', default: 0 })
  recipients: number;

  /** Recipients held out in the control group, set at fan-out. */
  @Column({ name: 'held_out', type: 'integer', default: 0 })
  heldOut: number;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @ManyToOne(() => StaffAccount, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'fk_campaigns_created_by' })
  createdByAccount?: StaffAccount;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** The audience of a campaign as frozen at its start; `control` rows are held out. */
@Entity({ name: 'campaign_recipients' })
export class CampaignRecipient {
  @PrimaryColumn({ name: 'campaign_id', type: 'bigint', primaryKeyConstraintName: 'pk_campaign_recipients' })
  campaignId: string;

  @ManyToOne(() => Campaign, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'campaign_id', foreignKeyConstraintName: 'fk_campaign_recipients_campaign' })
  campaign?: Campaign;

  @PrimaryColumn({ name: 'client_id', type: 'bigint', primaryKeyConstraintName: 'pk_campaign_recipients' })
  clientId: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ name: 'episode_id', type: 'bigint', nullable: true })
  episodeId: string | null;

  @Column({ type: 'boolean' })
  control: boolean;
}
