import { randomBytes } from 'node:crypto';
import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { authenticateStaff, openStaffSession, revokeStaffSession, SESSION_HOURS } from '@comeback/accounts';
import { clientIp, PG_POOL } from '@comeback/platform';
import type { Request, Response } from 'express';
import type { Pool } from 'pg';
import { ConsoleGuard, RequirePermission } from './auth/console.guard';
import type { ConsoleRequest } from './auth/console-request';
import { clearConsoleCookie, LOCALE_COOKIE, LOGIN_CSRF_COOKIE, readCookie, SESSION_COOKIE, setConsoleCookie } from './auth/cookies';
import { csrfMatches } from './auth/csrf';
import { LoginRateLimits } from './auth/login-rate-limits';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { CONSOLE_OPTIONS, type ConsoleOptions } from './console.options';
import { CONSOLE_LOCALES, visitorTranslator } from './i18n/translator';
import { ViewRenderer } from './view-renderer';

/** Only our own console pages are places to go back to after signing in (no open redirect). */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/console\/[A-Za-z0-9/_\-?=&%.~+]*$/.test(next) && !next.startsWith('//') ? next : '/console/lost-clients';
}

/**
 * Signing in and out. The sign-in form has no session yet, so it is protected by a double-submit
 * token: a random value in an HttpOnly cookie and the same in the form; a cross-site post can
 * set neither. One message for every failure, so the form does not reveal which e-mails exist.
 */
@Controller('console')
@UseFilters(ConsoleExceptionFilter)
export class ConsoleLoginController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CONSOLE_OPTIONS) private readonly options: ConsoleOptions,
    private readonly views: ViewRenderer,
    private readonly limits: LoginRateLimits,
  ) {}

  @Get()
  home(@Res() res: Response): void {
    res.redirect(303, '/console/lost-clients');
  }

  @Get('login')
  loginPage(@Req() req: Request, @Res() res: Response, @Query('next') next?: string): void {
    this.renderLogin(req, res, 200, { next: safeNext(next) });
  }

  @Post('login')
  async login(@Req() req: Request, @Res() res: Response, @Body() body: Record<string, unknown>): Promise<void> {
    const next = safeNext(body.next);
    const email = typeof body.email === 'string' ? body.email : '';
    if (!csrfMatches(readCookie(req, LOGIN_CSRF_COOKIE) ?? '', body._csrf)) {
      return this.renderLogin(req, res, 403, { next, email, problem: 'login.expired' });
    }
    const password = typeof body.password === 'string' ? body.password : '';
    if (!email || !password) return this.renderLogin(req, res, 401, { next, email, problem: 'login.failed' });
    // Over a limit: refused before any password is checked, and nothing is counted or written.
    const ip = clientIp(req, this.options.trustProxy ?? 0);
    const limit = await this.limits.check(ip, email);
    if (!limit.allowed) {
      res.setHeader('Retry-After', String(limit.retryAfterSeconds));
      return this.renderLogin(req, res, 429, { next, email, problem: 'login.tooMany', minutes: Math.ceil(limit.retryAfterSeconds / 60) });
    }
    const account = await authenticateStaff(this.pool, email, password, this.options.lockout);
    if (!account) {
      await this.limits.failed(ip, email);
      return this.renderLogin(req, res, 401, { next, email, problem: 'login.failed' });
    }
    await this.limits.succeeded(email);
    const { token } = await openStaffSession(this.pool, account.id);
    setConsoleCookie(res, SESSION_COOKIE, token, { secure: this.options.secureCookies, maxAgeMs: SESSION_HOURS * 3600_000 });
    clearConsoleCookie(res, LOGIN_CSRF_COOKIE, this.options.secureCookies);
    res.redirect(303, next);
  }

  @Post('logout')
  @UseGuards(ConsoleGuard)
  @RequirePermission('viewClients')
  async logout(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const token = readCookie(req, SESSION_COOKIE);
    if (token) await revokeStaffSession(this.pool, token);
    clearConsoleCookie(res, SESSION_COOKIE, this.options.secureCookies);
    res.redirect(303, '/console/login');
  }

  /** The console language, remembered in a cookie for a year. */
  @Post('language')
  @UseGuards(ConsoleGuard)
  @RequirePermission('viewClients')
  language(@Res() res: Response, @Body() body: Record<string, unknown>): void {
    const locale = typeof body.locale === 'string' && CONSOLE_LOCALES.includes(body.locale) ? body.locale : 'en';
    setConsoleCookie(res, LOCALE_COOKIE, locale, { secure: this.options.secureCookies, maxAgeMs: 365 * 86400_000 });
    res.redirect(303, safeNext(body.next));
  }

  private renderLogin(req: Request, res: Response, status: number, data: { next: string; email?: string; problem?: string; minutes?: number }): void {
    const csrf = randomBytes(32).toString('base64url');
    setConsoleCookie(res, LOGIN_CSRF_COOKIE, csrf, { secure: this.options.secureCookies });
    const t = visitorTranslator(readCookie(req, LOCALE_COOKIE), req.headers['accept-language']);
    res
      .status(status)
      .type('html')
      .send(this.views.render('login', t, { title: t.t('login.title') }, { ...data, loginCsrf: csrf, problem: data.problem ? t.t(data.problem, { minutes: data.minutes ?? 1 }) : undefined }));
  }
}
