import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { ExpiringCache, PG_POOL } from '@comeback/platform';
import { CONSOLE_OPTIONS, type ConsoleOptions } from '../console.options';

/**
 * How long "the deployment has exactly one organization" is trusted before it is counted again.
 * Short: when a second organization is added, the first one's admins lose what shows every
 * organization's data within seconds.
 */
const COUNT_TTL_MS = 10_000;

/**
 * Which organizations run the deployment, so that their admins may see what belongs to every
 * organization (the queue dashboard: BullMQ queues are shared by all of them). Listed in
 * QUEUE_DASHBOARD_ORGANIZATIONS; with none listed, the only organization of a deployment that has
 * exactly one (a business that hosts Comeback for itself works without configuration), and no
 * organization once there are two or more: a shared (SaaS) deployment stays closed until its
 * operator names their own organization.
 */
@Injectable()
export class DeploymentOperators {
  private readonly listed: ReadonlySet<string>;
  /** One key: whether the deployment has exactly one organization (a count, read at most every COUNT_TTL_MS). */
  private readonly single = new ExpiringCache<boolean>(COUNT_TTL_MS, 1);

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONSOLE_OPTIONS) options: ConsoleOptions,
  ) {
    this.listed = new Set((options.operatorOrganizations ?? []).map((id) => id.toLowerCase()));
  }

  /** Whether `organizationId` (the signed-in account's) runs the deployment. */
  async includes(organizationId: string): Promise<boolean> {
    if (this.listed.size) return this.listed.has(organizationId.toLowerCase());
    // The account's organization exists (the guard has read it), so one organization is this one.
    return this.single.load('single', () => this.onlyOneOrganization());
  }

  private async onlyOneOrganization(): Promise<boolean> {
    // Counts no further than two: the answer is "one" or "more", however many organizations there are.
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM organizations LIMIT 2) o`);
    return rows[0].n === 1;
  }
}
