import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A business using Comeback. Every business row in the database carries its organization id. */
@Entity({ name: 'organizations' })
@Check('ck_organizations_call_list_top_n', 'call_list_top_n BETWEEN 0 AND 500')
export class Organization {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_organizations' })
  id: string;

  /** Short unique handle a person can type (`npx comeback import --org city-clinic`). */
  @Index('ux_organizations_slug', { unique: true })
  @Column({ type: 'text' })
  slug: string;

  @Column({ type: 'text' })
  name: string;

  /** IANA zone, e.g. `Europe/Istanbul`: local times in imports and the nightly sweep use it. */
  @Column({ type: 'text' })
  timezone: string;

  /** BCP 47 tag used when a client has no locale of their own. */
  @Column({ name: 'default_locale', type: 'text' })
  defaultLocale: string;

  /** ISO 4217 code used when a visit or payment gives none. */
  @Column({ type: 'char', length: 3 })
  currency: string;

  /** ISO 3166-1 alpha-2 country used to read national phone numbers. */
  @Column({ type: 'char', length: 2 })
  country: string;

  /**
   * How the lapse detector judges this organization's clients (method, thresholds, sweep time).
   * Validated and completed with defaults by `parseLapseSettings` in the lapse-detector; `{}`
   * means all defaults.
   */
  @Column({ name: 'lapse_settings', type: 'jsonb', default: () => "'{}'" })
  lapseSettings: Record<string, unknown>;

  /**
   * Quiet hours, frequency cap, prices and each channel's provider, validated and completed with
   * defaults by `parseMessagingSettings`; `{}` means all defaults (sandbox providers).
   */
  @Column({ name: 'messaging_settings', type: 'jsonb', default: () => "'{}'" })
  messagingSettings: Record<string, unknown>;

  /** How many of the most valuable lost clients go to managers' call list each win-back cycle. */
  @Column({ name: 'call_list_top_n', type: 'smallint', default: 10 })
  callListTopN: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
