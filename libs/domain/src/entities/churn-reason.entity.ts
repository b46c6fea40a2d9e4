import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from './organization.entity';

/**
 * One of an organization's reasons for leaving ("too expensive"): its default label (other
 * locales in reason_labels), how often it was given, and whether it was retired or merged into
 * another (history follows the merge).
 */
@Entity({ name: 'churn_reasons' })
@Index('ux_churn_reasons_org_label', ['organizationId', 'label'], { unique: true })
export class ChurnReason {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_churn_reasons' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_churn_reasons_organization' })
  organization?: Organization;

  @Column({ type: 'text' })
  label: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'usage_count', type: 'integer', default: 0 })
  usageCount: number;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;

  @Column({ name: 'merged_into_id', type: 'bigint', nullable: true })
  mergedIntoId: string | null;

  @ManyToOne(() => ChurnReason, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'merged_into_id', foreignKeyConstraintName: 'fk_churn_reasons_merged_into' })
  mergedInto?: ChurnReason;
}
