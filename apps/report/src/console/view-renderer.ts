import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { allows, can, type ConsoleContext } from './auth/console-request';
import { CONSOLE_LOCALES } from './i18n/translator';
import type { Translator } from './i18n/translator';

export const VIEWS_DIR = join(__dirname, 'views');

/** Page-level values every view may use (the layout reads them). */
export interface PageFrame {
  title: string;
  /** The navigation entry to highlight. */
  nav?: 'lost' | 'calls' | 'campaigns' | 'reasons' | 'reports' | 'accounts' | 'audit';
  console?: ConsoleContext;
  /** Scripts of ours to load after the page (under /console/assets). */
  scripts?: string[];
}

/** Escapes JSON for a `<script type="application/json">` block: no `</script>` or comment can break out. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value ?? null)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Server-side pages: Handlebars views (escaped by default; nothing here uses triple braces on
 * user data), one layout, partials, and helpers that format in the viewer's locale and the
 * organization's time zone. Templates are compiled once at start-up.
 */
@Injectable()
export class ViewRenderer {
  private readonly hbs = Handlebars.create();
  private readonly views = new Map<string, Handlebars.TemplateDelegate>();
  private readonly layout: Handlebars.TemplateDelegate;

  constructor() {
    this.registerHelpers();
    const partials = join(VIEWS_DIR, 'partials');
    for (const file of existsSync(partials) ? readdirSync(partials).filter((f) => f.endsWith('.hbs')) : []) {
      this.hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(partials, file), 'utf8'));
    }
    for (const file of readdirSync(VIEWS_DIR).filter((f) => f.endsWith('.hbs'))) {
      this.views.set(basename(file, '.hbs'), this.hbs.compile(readFileSync(join(VIEWS_DIR, file), 'utf8'), { strict: false }));
    }
    const layout = this.views.get('layout');
    if (!layout) throw new Error(`no layout.hbs in ${VIEWS_DIR}`);
    this.layout = layout;
  }

  /** A whole page: the view inside the layout. `t` is the viewer's translator. */
  render(view: string, t: Translator, frame: PageFrame, data: Record<string, unknown> = {}): string {
    const template = this.views.get(view);
    if (!template) throw new Error(`no view ${view}.hbs`);
    const context = frame.console;
    const account = context?.account;
    const nav = context && account
      ? [
          { id: 'lost', href: '/console/lost-clients', label: t.t('nav.lost') },
          ...(can(account.role, 'viewCalls') ? [{ id: 'calls', href: '/console/calls', label: t.t('nav.calls') }] : []),
          ...(can(account.role, 'viewCampaigns') ? [{ id: 'campaigns', href: '/console/campaigns', label: t.t('nav.campaigns') }] : []),
          ...(can(account.role, 'viewReasons') ? [{ id: 'reasons', href: '/console/reasons', label: t.t('nav.reasons') }] : []),
          ...(can(account.role, 'viewReports') ? [{ id: 'reports', href: '/console/reports', label: t.t('nav.reports') }] : []),
          ...(can(account.role, 'manageAccounts') ? [{ id: 'accounts', href: '/console/accounts', label: t.t('nav.accounts') }] : []),
          ...(can(account.role, 'viewAudit') ? [{ id: 'audit', href: '/console/audit', label: t.t('nav.audit') }] : []),
          // Every organization's jobs: shown only where the guard would let the admin in.
          ...(allows(context, 'viewQueues') ? [{ id: 'queues', href: '/console/queues', label: t.t('nav.queues') }] : []),
        ].map((item) => ({ ...item, current: item.id === frame.nav }))
      : [];
    const root = {
      ...data,
      frame,
      nav,
      account,
      organization: frame.console?.organization,
      roleLabel: account ? t.t(`role.${account.role}`) : undefined,
      locales: CONSOLE_LOCALES.map((code) => ({ code, label: t.t(`language.${code}`), current: code === t.locale })),
      locale: t.locale,
      csrfToken: frame.console?.csrfToken,
      returnTo: frame.console?.returnTo,
    };
    const options = { data: { translator: t } };
    const body = template(root, options);
    return this.layout({ ...root, body, title: frame.title }, options);
  }

  private registerHelpers(): void {
    const tr = (options: Handlebars.HelperOptions): Translator => options.data.translator as Translator;
    const h = this.hbs;
    h.registerHelper('t', function (key: string, options: Handlebars.HelperOptions) {
      return tr(options).t(key, options.hash);
    });
    h.registerHelper('num', (n: number, options: Handlebars.HelperOptions) => tr(options).formatInteger(n));
    h.registerHelper('dec', (n: number, options: Handlebars.HelperOptions) => tr(options).formatDecimal(n));
    h.registerHelper('pct', (n: number, options: Handlebars.HelperOptions) => tr(options).formatPercent(n));
    h.registerHelper('money', (n: number | string, options: Handlebars.HelperOptions) => tr(options).formatMoney(n));
    h.registerHelper('day', (d: string | Date, options: Handlebars.HelperOptions) => tr(options).formatDay(d));
    h.registerHelper('dayTime', (d: string | Date, options: Handlebars.HelperOptions) => tr(options).formatDayTime(d));
    h.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));
    h.registerHelper('eq', (a: unknown, b: unknown) => String(a ?? '') === String(b ?? ''));
    h.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
    h.registerHelper('and', (...args: unknown[]) => args.slice(0, -1).every(Boolean));
    h.registerHelper('not', (a: unknown) => !a);
    h.registerHelper('selected', (a: unknown, b: unknown) => (String(a ?? '') === String(b ?? '') ? 'selected' : ''));
    h.registerHelper('checked', (a: unknown) => (a ? 'checked' : ''));
    h.registerHelper('json', (value: unknown) => new Handlebars.SafeString(jsonForScript(value)));
    h.registerHelper('csrf', (options: Handlebars.HelperOptions) => {
      const token = Handlebars.escapeExpression(String(options.data.root.csrfToken ?? ''));
      return new Handlebars.SafeString(`<input type="hidden" name="_csrf" value="${token}">`);
    });
  }
}
