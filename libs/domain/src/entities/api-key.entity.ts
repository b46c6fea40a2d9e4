import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Organization } from './organization.entity';

/**
 * A per-organization key for the ingestion API. Only a SHA-256 hash of the secret is stored:
 * keys are 256-bit random values, so a slow password hash would add latency and no safety.
 * `prefix` is the public part of the key used to find the row without scanning.
 */
@Entity({ name: 'api_keys' })
@Index('ix_api_keys_organization', ['organizationId'])
export class ApiKey {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_api_keys' })
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @ManyToOne(() => Organization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'organization_id', foreignKeyConstraintName: 'fk_api_keys_organization' })
  organization?: Organization;

  @Column({ type: 'text' })
  name: string;

  @Index('ux_api_keys_prefix', { unique: true })
  @Column({ type: 'text' })
  prefix: string;

  @Column({ name: 'secret_hash', type: 'bytea' })
  secretHash: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
