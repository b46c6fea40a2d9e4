import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, JoinColumn, ManyToOne, UpdateDateColumn } from 'typeorm';
import { Organization } from './organization.entity';

/** A person who serves clients (a doctor, a stylist, a trainer). */
@Entity({ name: 'staff_members' })
@Index('ux_staff_members_org_external', ['organizationId', 'externalId'], { unique: true })
export class StaffMember {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'pk_staff_members' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_staff_members_organization' })
  organization?: Organization;

  @Column({ name: 'external_id', type: 'text', collation: 'C' })
  externalId: string;

  @Column({ type: 'text' })
  name: string;

  /** Free text such as `dentist` or `hygienist`. */
  @Column({ type: 'text', nullable: true })
  role: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
