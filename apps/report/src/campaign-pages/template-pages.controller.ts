import { Body, Controller, Get, Inject, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Pool } from 'pg';
import { CampaignError, LOCALE, TEMPLATE_KEY, TemplatesService } from '@comeback/campaigns';
import { CHANNELS, type Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { normaliseLocale, TEMPLATE_HELPERS, TEMPLATE_VARIABLES } from '@comeback/templates';
import { ConsoleError } from '../console/auth/console.errors';
import { ConsoleGuard, RequirePermission } from '../console/auth/console.guard';
import { can, type ConsoleRequest } from '../console/auth/console-request';
import { ConsoleExceptionFilter } from '../console/console-exception.filter';
import { ViewRenderer } from '../console/view-renderer';
import { isChannel, menuText, TEMPLATE_PART_FIELDS, templatePartsFromForm } from './dto/campaign-forms';

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

interface EditorState {
  key: string;
  channel: Channel;
  locale: string;
  clientId: string;
  values: Record<string, string>;
  problems?: { part?: string; field?: string; line?: number; column?: number; message: string }[];
  saved?: boolean;
}

/**
 * The template editor: every template of the organization, and one being edited with a live
 * preview for a chosen lost client (the SMS encoding, segments and price counted as you type).
 * Saving validates; each problem is shown with its part, line and column. Works without scripts:
 * "Preview" posts the form and the page comes back rendered.
 */
@Controller('console/templates')
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
export class TemplatePagesController {
  constructor(
    private readonly templates: TemplatesService,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly views: ViewRenderer,
  ) {}

  @Get()
  @RequirePermission('viewCampaigns')
  async editor(@Req() req: ConsoleRequest, @Query() q: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { organization } = req.console;
    const channel = isChannel(q.channel) ? q.channel : 'sms';
    const key = TEMPLATE_KEY.safeParse(str(q.key)).success ? str(q.key) : 'win-back';
    // As stored: 'en-gb' opens the 'en-GB' template (and saving it replaces that one).
    const locale = (LOCALE.safeParse(str(q.locale)).success && normaliseLocale(str(q.locale))) || normaliseLocale(organization.defaultLocale) || organization.defaultLocale;
    const values = await this.storedValues(organization.id, key, channel, locale);
    await this.render(req, res, 200, { key, channel, locale, clientId: str(q.clientId), values, saved: q.saved === '1' });
  }

  /** The editor's fields of a stored template (empty when there is none). */
  private async storedValues(organizationId: string, key: string, channel: Channel, locale: string): Promise<Record<string, string>> {
    const stored = (await this.templates.list(organizationId)).find((t) => t.key === key && t.channel === channel && t.locale === locale);
    return Object.fromEntries(
      TEMPLATE_PART_FIELDS[channel].map(({ part }) => [part, part === 'menu' ? menuText(stored?.parts.menu) : String(stored?.parts[part] ?? '')]),
    );
  }

  /** Saves (`action=save`) or previews (`action=preview`, for browsers without scripts) the edited template. */
  @Post()
  @RequirePermission('manageCampaigns')
  async save(@Req() req: ConsoleRequest, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { organization, account } = req.console;
    const state = this.stateFromForm(body);
    const parsed = templatePartsFromForm(state.channel, body);
    if ('problems' in parsed) return this.render(req, res, 400, { ...state, problems: parsed.problems });
    try {
      if (body.action === 'preview') {
        const preview = await this.templates.preview(organization.id, { channel: state.channel, locale: state.locale, parts: parsed.parts }, state.clientId || undefined);
        return this.render(req, res, 200, state, preview);
      }
      const saved = await this.templates.save(organization.id, state.key, state.channel, state.locale, parsed.parts, account.id);
      res.redirect(303, `/console/templates?${new URLSearchParams({ key: saved.key, channel: saved.channel, locale: saved.locale, saved: '1' })}`);
    } catch (err) {
      if (!(err instanceof CampaignError) || err.code === 'NOT_FOUND') throw toConsoleError(err);
      return this.render(req, res, 400, { ...state, problems: err.problems.length ? err.problems : [{ message: err.message }] });
    }
  }

  /** The live preview the editor's script asks for as staff type: 200 with the rendering, or 400 with every problem. */
  @Post('preview.json')
  @RequirePermission('viewCampaigns')
  async preview(@Req() req: ConsoleRequest, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const state = this.stateFromForm(body);
    const parsed = templatePartsFromForm(state.channel, body);
    if ('problems' in parsed) {
      res.status(400).json({ error: 'INVALID_TEMPLATE', problems: parsed.problems });
      return;
    }
    try {
      res.json(await this.templates.preview(req.console.organization.id, { channel: state.channel, locale: state.locale, parts: parsed.parts }, state.clientId || undefined));
    } catch (err) {
      if (!(err instanceof CampaignError) || err.code === 'NOT_FOUND') throw toConsoleError(err);
      res.status(400).json({ error: err.code, message: err.message, problems: err.problems });
    }
  }

  @Post('delete')
  @RequirePermission('manageCampaigns')
  async remove(@Req() req: ConsoleRequest, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const state = this.stateFromForm(body);
    try {
      await this.templates.remove(req.console.organization.id, state.key, state.channel, state.locale);
    } catch (err) {
      // The last template a scheduled or running campaign needs: the editor again, saying which.
      if (err instanceof CampaignError && err.code === 'INVALID_STATE') {
        const values = await this.storedValues(req.console.organization.id, state.key, state.channel, state.locale);
        return this.render(req, res, 409, { ...state, values, problems: [{ message: err.message }] });
      }
      throw toConsoleError(err);
    }
    res.redirect(303, '/console/templates');
  }

  private stateFromForm(body: Record<string, unknown>): EditorState {
    const key = str(body.key);
    const typed = str(body.locale);
    const clientId = str(body.clientId);
    if (!isChannel(body.channel)) throw new ConsoleError('INVALID_INPUT', 'channel: one of sms, email, viber, voice', 'channel');
    if (!TEMPLATE_KEY.safeParse(key).success) throw new ConsoleError('INVALID_INPUT', 'key: lower-case letters, digits and "-", up to 63', 'key');
    // Normalised as stored: 'en-gb' is the 'en-GB' template.
    const locale = LOCALE.safeParse(typed).success ? normaliseLocale(typed) : null;
    if (!locale) throw new ConsoleError('INVALID_INPUT', 'locale: a language tag such as "ka" or "en-GB"', 'locale');
    if (clientId && !/^[1-9][0-9]{0,17}$/.test(clientId)) throw new ConsoleError('INVALID_INPUT', 'clientId: must be a client id', 'clientId');
    const values = Object.fromEntries(TEMPLATE_PART_FIELDS[body.channel].map(({ part }) => [part, typeof body[`part.${part}`] === 'string' ? String(body[`part.${part}`]) : '']));
    return { key, channel: body.channel, locale, clientId, values };
  }

  private async render(req: ConsoleRequest, res: Response, status: number, state: EditorState, preview?: unknown): Promise<void> {
    const { t, organization, account } = req.console;
    const [all, clients] = await Promise.all([
      this.templates.list(organization.id),
      // Lost clients to preview for: the most recently detected, with their names in any script.
      this.pool.query<{ id: string; name: string; locale: string | null }>(
        `SELECT c.id::text, c.name, c.locale FROM churn_episodes e JOIN clients c ON c.organization_id = e.organization_id AND c.id = e.client_id
          WHERE e.organization_id = $1 AND e.status IN ('at_risk', 'lapsed') ORDER BY e.detected_at DESC, e.id DESC LIMIT 25`,
        [organization.id],
      ),
    ]);
    const fields = TEMPLATE_PART_FIELDS[state.channel].map(({ part, lines }) => ({
      part, lines, multiline: lines > 1, value: state.values[part] ?? '', label: t.t(`templates.part.${part}`),
      problems: (state.problems ?? []).filter((p) => p.part === part),
    }));
    res
      .status(status)
      .type('html')
      .send(
        this.views.render('templates', t, { title: t.t('templates.title'), nav: 'campaigns', console: req.console, scripts: ['template-editor.js'] }, {
          templates: all.map((tpl) => ({ ...tpl, href: `/console/templates?${new URLSearchParams({ key: tpl.key, channel: tpl.channel, locale: tpl.locale })}`, current: tpl.key === state.key && tpl.channel === state.channel && tpl.locale === state.locale })),
          state,
          channels: CHANNELS.map((c) => ({ value: c, label: t.t(`channel.${c}`), selected: c === state.channel })),
          fields,
          otherProblems: (state.problems ?? []).filter((p) => !p.part || !fields.some((f) => f.part === p.part)),
          clients: clients.rows.map((c) => ({ ...c, selected: c.id === state.clientId })),
          preview,
          previewJson: preview ?? null,
          canEdit: can(account.role, 'manageCampaigns'),
          // The editor's help panel: the fixed catalog validation checks against.
          variables: Object.entries(TEMPLATE_VARIABLES).map(([name, v]) => ({ name, description: v.description })),
          helpers: Object.values(TEMPLATE_HELPERS),
        }),
      );
  }
}

/** A campaign library error met on a page: not found stays not found, anything else is bad input. */
export function toConsoleError(err: unknown): unknown {
  if (!(err instanceof CampaignError)) return err;
  if (err.code === 'NOT_FOUND') return new ConsoleError('NOT_FOUND', err.message);
  const first = err.problems[0];
  return new ConsoleError('INVALID_INPUT', first ? `${first.field ?? first.part ?? ''}: ${first.message}`.replace(/^: /, '') : err.message, first?.field ?? first?.part);
}
