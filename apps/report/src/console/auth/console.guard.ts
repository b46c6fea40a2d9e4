import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { findStaffSession } from '@comeback/accounts';
import { PG_POOL } from '@comeback/platform';
import type { Pool } from 'pg';
import { Translator, negotiateLocale } from '../i18n/translator';
import { allows, can, DEPLOYMENT_PERMISSIONS, type ConsoleOrganization, type ConsolePermission, type ConsoleRequest } from './console-request';
import { LOCALE_COOKIE, readCookie, SESSION_COOKIE } from './cookies';
import { csrfMatches, UNSAFE_METHODS } from './csrf';
import { ConsoleError } from './console.errors';
import { DeploymentOperators } from './deployment-operators';

const PERMISSION = 'comeback:console-permission';

/** The permission a console route needs (see CONSOLE_PERMISSIONS); every console controller method sets one. */
export const RequirePermission = (permission: ConsolePermission) => SetMetadata(PERMISSION, permission);

/**
 * Every console route passes here: a live session (cookie), the account's organization (the only
 * organization the request can touch), the role's permission for this route (for a deployment
 * permission, also an organization that runs the deployment), and for posts the CSRF token. A
 * route without a declared permission is refused, so a forgotten decorator fails closed.
 */
@Injectable()
export class ConsoleGuard implements CanActivate {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly reflector: Reflector,
    private readonly operators: DeploymentOperators,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<ConsoleRequest>();
    const token = readCookie(req, SESSION_COOKIE);
    const session = token ? await findStaffSession(this.pool, token) : null;
    if (!session) throw new ConsoleError('SIGN_IN_REQUIRED');
    const organization = await this.organization(session.account.organizationId);
    const role = session.account.role;
    // Asked only for a role that could use it (admins): a cached count or a list, not a query per request.
    const operator = [...DEPLOYMENT_PERMISSIONS].some((p) => can(role, p)) && (await this.operators.includes(organization.id));
    const locale = negotiateLocale(readCookie(req, LOCALE_COOKIE), req.headers['accept-language'], organization.defaultLocale);
    req.console = {
      account: session.account,
      organization,
      csrfToken: session.csrfSecret,
      t: new Translator(locale, organization.timezone, organization.currency),
      returnTo: req.method === 'GET' ? req.originalUrl : '/console/lost-clients',
      operator,
    };
    const permission = this.reflector.getAllAndOverride<ConsolePermission | undefined>(PERMISSION, [context.getHandler(), context.getClass()]);
    if (!permission || !allows(req.console, permission)) throw new ConsoleError('FORBIDDEN');
    if (UNSAFE_METHODS.has(req.method)) {
      const presented = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.headers['x-csrf-token'];
      if (!csrfMatches(session.csrfSecret, presented)) throw new ConsoleError('CSRF_REJECTED');
    }
    return true;
  }

  private async organization(id: string): Promise<ConsoleOrganization> {
    const { rows } = await this.pool.query<ConsoleOrganization>(
      `SELECT id, name, timezone, currency::text AS currency, default_locale AS "defaultLocale" FROM organizations WHERE id = $1`,
      [id],
    );
    if (!rows[0]) throw new ConsoleError('SIGN_IN_REQUIRED');
    return rows[0];
  }
}
