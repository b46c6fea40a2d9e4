import { Body, Controller, Get, Inject, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { clearAccountLock, createStaffAccount, InvalidAccountError } from '@comeback/accounts';
import { STAFF_ROLES } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import type { Response } from 'express';
import type { Pool } from 'pg';
import { ConsoleError } from '../console/auth/console.errors';
import { ConsoleGuard, RequirePermission } from '../console/auth/console.guard';
import type { ConsoleRequest } from '../console/auth/console-request';
import { ConsoleExceptionFilter } from '../console/console-exception.filter';
import { ViewRenderer } from '../console/view-renderer';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * Console accounts of the administrator's own organization: list, create (the password is hashed
 * with argon2id and never shown again), disable and enable. A disabled account's sessions stop
 * working at once (the session lookup checks the account). An admin cannot disable themselves.
 * Each account's failed sign-ins and lock (after repeated wrong passwords) show here, and an
 * admin can clear a lock (`POST /console/accounts/:id/unlock`).
 */
@Controller('console/accounts')
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
export class StaffAccountsController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly views: ViewRenderer,
  ) {}

  @Get()
  @RequirePermission('manageAccounts')
  async list(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    await this.render(req, res, 200, {});
  }

  @Post()
  @RequirePermission('manageAccounts')
  async create(@Req() req: ConsoleRequest, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const input = { email: str(body.email), displayName: str(body.displayName), role: str(body.role) };
    try {
      await createStaffAccount(this.pool, { organizationId: req.console.organization.id, ...input, password: str(body.password) });
    } catch (err) {
      if (!(err instanceof InvalidAccountError)) throw err;
      return this.render(req, res, 400, { problems: err.problems, input });
    }
    res.redirect(303, '/console/accounts?created=1');
  }

  @Post(':accountId/unlock')
  @RequirePermission('manageAccounts')
  async unlock(@Req() req: ConsoleRequest, @Param('accountId') accountId: string, @Res() res: Response): Promise<void> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(accountId)) throw new ConsoleError('NOT_FOUND');
    if (!(await clearAccountLock(this.pool, req.console.organization.id, accountId))) throw new ConsoleError('NOT_FOUND');
    res.redirect(303, '/console/accounts?unlocked=1');
  }

  @Post(':accountId/:action')
  @RequirePermission('manageAccounts')
  async setDisabled(@Req() req: ConsoleRequest, @Param('accountId') accountId: string, @Param('action') action: string, @Res() res: Response): Promise<void> {
    if (!/^[0-9a-f-]{36}$/.test(accountId)) throw new ConsoleError('NOT_FOUND');
    if (action !== 'disable' && action !== 'enable') throw new ConsoleError('NOT_FOUND');
    if (accountId === req.console.account.id) throw new ConsoleError('INVALID_INPUT', 'you cannot disable your own account', 'accountId');
    const { rowCount } = await this.pool.query(
      `UPDATE staff_accounts SET disabled_at = ${action === 'disable' ? 'now()' : 'NULL'}, updated_at = now() WHERE id = $1 AND organization_id = $2`,
      [accountId, req.console.organization.id],
    );
    if (!rowCount) throw new ConsoleError('NOT_FOUND');
    res.redirect(303, '/console/accounts');
  }

  private async render(req: ConsoleRequest, res: Response, status: number, extra: Record<string, unknown>): Promise<void> {
    const { t, organization, account } = req.console;
    const { rows } = await this.pool.query(
      `SELECT id, email, display_name AS "displayName", role, disabled_at AS "disabledAt", last_login_at AS "lastLoginAt", created_at AS "createdAt",
              failed_logins AS "failedLogins", lockouts, CASE WHEN locked_until > now() THEN locked_until END AS "lockedUntil"
         FROM staff_accounts WHERE organization_id = $1 ORDER BY disabled_at NULLS FIRST, display_name`,
      [organization.id],
    );
    const accounts = rows.map((a) => ({
      ...a,
      self: a.id === account.id,
      roleLabel: t.t(`role.${a.role}`),
      lockLabel: a.lockedUntil ? t.t('accounts.lockedUntil', { until: t.formatDayTime(a.lockedUntil) }) : null,
      // A lock to clear: locked now, or failures / past locks still counting towards a longer one.
      canUnlock: Boolean(a.lockedUntil) || a.failedLogins > 0 || a.lockouts > 0,
    }));
    const roles = STAFF_ROLES.map((role) => ({ role, label: t.t(`role.${role}`), selected: (extra.input as { role?: string } | undefined)?.role === role }));
    res
      .status(status)
      .type('html')
      .send(this.views.render('accounts', t, { title: t.t('accounts.title'), nav: 'accounts', console: req.console }, { accounts, roles, created: req.query.created === '1', unlocked: req.query.unlocked === '1', ...extra }));
  }
}
