import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { CampaignError, CampaignsService, TemplatesService, type CampaignEstimate, type CampaignView } from '@comeback/campaigns';
import { CHANNELS } from '@comeback/domain';
import { ExpiringCache } from '@comeback/platform';
import { ConsoleError } from '../console/auth/console.errors';
import { ConsoleGuard, RequirePermission } from '../console/auth/console.guard';
import { can, type ConsoleRequest } from '../console/auth/console-request';
import { ConsoleExceptionFilter } from '../console/console-exception.filter';
import { ViewRenderer } from '../console/view-renderer';
import { LostClientsService } from '../lost-clients/lost-clients.service';
import { AUDIENCE_FIELDS, campaignFromForm, readCampaignForm, startFromForm, type CampaignForm, type FormProblem } from './dto/campaign-forms';
import { toConsoleError } from './template-pages.controller';

/** Progress as staff read it: waiting, sent, delivered, not delivered (refused, given up, in doubt), replied, cancelled. */
export function progressOf(view: CampaignView): Record<string, number> {
  const p = view.progress;
  const n = (...states: string[]) => states.reduce((s, k) => s + (p[k] ?? 0), 0);
  return {
    queued: n('queued', 'sending'),
    sent: n('sent'),
    delivered: n('delivered'),
    failed: n('failed', 'dead', 'undelivered', 'in_doubt'),
    replied: view.replied,
    cancelled: n('cancelled'),
    total: n(...Object.keys(p)),
  };
}

/** What the campaign page polls: the campaign's status, its progress and its cost so far. */
interface ProgressAnswer {
  status: string;
  progress: Record<string, number>;
  cost: string;
}

/**
 * How long a campaign's progress is kept for the pages polling it. Progress counts the campaign's
 * messages by status (an index scan over up to a million rows, a few hundred milliseconds), and
 * every open campaign page polls it: kept this long and read again by one request while the
 * others get the last answer (ExpiringCache.load), a campaign costs one count per interval
 * however many staff watch it.
 */
const PROGRESS_TTL_MS = 2_000;

/**
 * Campaigns in the console: the list, the wizard (audience from the lost-clients filters with a
 * live count, channel order, fallback, control share, cost estimate), and each campaign's page
 * (estimate while a draft, schedule, live progress, pause, resume, cancel).
 */
@Controller('console/campaigns')
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
export class CampaignPagesController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly templates: TemplatesService,
    private readonly lostClients: LostClientsService,
    private readonly views: ViewRenderer,
  ) {}

  /** Progress answers by organization and campaign (the organization from the session: never another's). */
  private readonly progressAnswers = new ExpiringCache<ProgressAnswer>(PROGRESS_TTL_MS, 1_000);

  @Get()
  @RequirePermission('viewCampaigns')
  async list(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const { t, account, organization } = req.console;
    const campaigns = (await this.campaigns.list(organization.id)).map((c) => ({
      ...c, progress: progressOf(c), statusLabel: t.t(`campaign.status.${c.status}`), channelLabels: c.channels.map((ch) => t.t(`channel.${ch}`)),
    }));
    res.type('html').send(
      this.views.render('campaigns', t, { title: t.t('campaigns.title'), nav: 'campaigns', console: req.console }, { campaigns, canEdit: can(account.role, 'manageCampaigns') }),
    );
  }

  /** The wizard; the lost-clients list links here with its filters in the query. */
  @Get('new')
  @RequirePermission('manageCampaigns')
  async wizard(@Req() req: ConsoleRequest, @Query() q: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const form = readCampaignForm(q);
    await this.renderWizard(req, res, 200, { ...form, channels: form.channels.length ? form.channels : ['sms', 'email'], controlPercent: form.controlPercent || '10' }, []);
  }

  @Post()
  @RequirePermission('manageCampaigns')
  async create(@Req() req: ConsoleRequest, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const form = readCampaignForm(body);
    const parsed = campaignFromForm(form);
    if ('problems' in parsed) return this.renderWizard(req, res, 400, form, parsed.problems);
    try {
      const created = await this.campaigns.create(req.console.organization.id, parsed.draft, req.console.account.id);
      res.redirect(303, `/console/campaigns/${created.id}`);
    } catch (err) {
      if (!(err instanceof CampaignError) || err.code === 'NOT_FOUND') throw toConsoleError(err);
      // The library names audience fields as the API does (audience.staff); the wizard's inputs are plain (staff).
      return this.renderWizard(req, res, 400, form, err.problems.map((p) => ({ field: p.field?.replace(/^audience\./, '') ?? 'form', message: p.message })));
    }
  }

  /** The wizard's live count and cost as the form changes; nothing is saved. */
  @Post('estimate.json')
  @RequirePermission('manageCampaigns')
  async estimateDraft(@Req() req: ConsoleRequest, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const parsed = campaignFromForm({ ...readCampaignForm(body), name: 'estimate' });
    if ('problems' in parsed) {
      res.status(400).json({ error: 'INVALID_INPUT', problems: parsed.problems });
      return;
    }
    try {
      res.json(await this.campaigns.estimateDraft(req.console.organization.id, parsed.draft));
    } catch (err) {
      throw toConsoleError(err);
    }
  }

  @Get(':id')
  @RequirePermission('viewCampaigns')
  async show(@Req() req: ConsoleRequest, @Param('id') id: string, @Res() res: Response): Promise<void> {
    await this.renderCampaign(req, res, 200, id, []);
  }

  /** What the campaign page polls while it runs. */
  @Get(':id/progress.json')
  @RequirePermission('viewCampaigns')
  async progress(@Req() req: ConsoleRequest, @Param('id') id: string): Promise<ProgressAnswer> {
    const organizationId = req.console.organization.id;
    return this.progressAnswers
      .load(`${organizationId}/${id}`, async () => {
        const view = await this.campaigns.get(organizationId, id);
        return { status: view.status, progress: progressOf(view), cost: view.cost };
      })
      .catch((err) => Promise.reject(toConsoleError(err)));
  }

  @Post(':id/:action')
  @RequirePermission('manageCampaigns')
  async act(@Req() req: ConsoleRequest, @Param('id') id: string, @Param('action') action: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const orgId = req.console.organization.id;
    try {
      if (action === 'schedule') {
        const start = startFromForm(body, req.console.organization.timezone);
        // The form comes back with the time as typed.
        if ('problems' in start) return this.renderCampaign(req, res, 400, id, start.problems, { startAt: typeof body.startAt === 'string' ? body.startAt.trim() : '' });
        await this.campaigns.schedule(orgId, id, start.at);
      } else if (action === 'pause') await this.campaigns.pause(orgId, id);
      else if (action === 'resume') await this.campaigns.resume(orgId, id);
      else if (action === 'cancel') await this.campaigns.cancel(orgId, id);
      else throw new ConsoleError('NOT_FOUND');
    } catch (err) {
      if (err instanceof CampaignError && err.code === 'INVALID_STATE') {
        return this.renderCampaign(req, res, 409, id, err.problems.length ? err.problems.map((p) => ({ field: p.field ?? 'form', message: p.message })) : [{ field: 'form', message: err.message }]);
      }
      throw toConsoleError(err);
    }
    // The page polling this campaign must not show the state from before the change.
    this.progressAnswers.delete(`${orgId}/${id}`);
    res.redirect(303, `/console/campaigns/${id}`);
  }

  private async renderWizard(req: ConsoleRequest, res: Response, status: number, form: CampaignForm, problems: FormProblem[]): Promise<void> {
    const { t, organization } = req.console;
    const [options, templates] = await Promise.all([this.lostClients.filterOptions(organization.id), this.templates.list(organization.id)]);
    const keys = [...new Set(templates.map((tpl) => tpl.key))].map((key) => ({
      key, selected: key === form.templateKey, channels: templates.filter((tpl) => tpl.key === key).map((tpl) => `${tpl.channel}/${tpl.locale}`).join(', '),
    }));
    const channelSlots = [0, 1, 2, 3].map((i) => ({
      n: i + 1,
      options: CHANNELS.map((c) => ({ value: c, label: t.t(`channel.${c}`), selected: form.channels[i] === c })),
    }));
    res
      .status(status)
      .type('html')
      .send(
        this.views.render('campaign-new', t, { title: t.t('campaigns.new'), nav: 'campaigns', console: req.console, scripts: ['campaign-wizard.js'] }, {
          form, query: form.audience, options, keys, channelSlots, problems, audienceFields: AUDIENCE_FIELDS,
          problemOf: Object.fromEntries(problems.map((p) => [p.field, p.message])),
          reachable: CHANNELS.map((c) => ({ value: c, label: t.t(`channel.${c}`), selected: form.audience.reachableOn === c })),
        }),
      );
  }

  private async renderCampaign(req: ConsoleRequest, res: Response, status: number, id: string, problems: FormProblem[], form: { startAt: string } = { startAt: '' }): Promise<void> {
    const { t, account, organization } = req.console;
    let view: CampaignView;
    try {
      view = await this.campaigns.get(organization.id, id);
    } catch (err) {
      throw toConsoleError(err);
    }
    const [estimate, options] = await Promise.all([
      view.status === 'draft' ? this.campaigns.estimate(organization.id, id).catch((): CampaignEstimate | null => null) : null,
      this.lostClients.filterOptions(organization.id),
    ]);
    // Coded filter values in words, ids (staff, service, reason) by name; dates as they are.
    const nameOf = (rows: { id: unknown; name?: unknown; label?: unknown }[], v: string) => {
      const row = rows.find((r) => String(r.id) === v);
      return row ? String(row.name ?? row.label) : v;
    };
    const words: Record<string, (v: string) => string> = {
      status: (v) => t.t(`status.${v}`), churnType: (v) => t.t(`churnType.${v}`), tier: (v) => t.t(`tier.${v}`), reachableOn: (v) => t.t(`channel.${v}`),
      reason: (v) => (v === 'none' ? t.t('lost.reasonNone') : nameOf(options.reasons, v)),
      staff: (v) => nameOf(options.staff, v),
      service: (v) => nameOf(options.services, v),
    };
    const audience = Object.entries(view.audience).map(([field, value]) => ({ field: t.t(`campaign.audience.${field}`), value: (words[field] ?? String)(String(value)) }));
    res
      .status(status)
      .type('html')
      .send(
        this.views.render('campaign', t, { title: view.name, nav: 'campaigns', console: req.console, scripts: ['campaign-progress.js'] }, {
          campaign: view,
          statusLabel: t.t(`campaign.status.${view.status}`),
          channels: view.channels.map((c) => t.t(`channel.${c}`)).join(' → '),
          progress: progressOf(view),
          audience,
          estimate: estimate && { ...estimate, byChannel: Object.entries(estimate.byChannel).map(([c, n]) => ({ channel: t.t(`channel.${c}`), n })) },
          // Fallback messages (a client not reached on the first channel) are sent on top of the estimate.
          hasFallback: view.channels.length > 1,
          startsAt: view.scheduledAt ? new Date(view.scheduledAt).toISOString() : '',
          startAt: form.startAt,
          controlPercent: Math.round(view.controlShare * 1000) / 10,
          live: view.status === 'scheduled' || view.status === 'running',
          canEdit: can(account.role, 'manageCampaigns'),
          can: {
            schedule: view.status === 'draft', pause: view.status === 'running', resume: view.status === 'paused',
            cancel: ['draft', 'scheduled', 'running', 'paused'].includes(view.status),
          },
          problems,
        }),
      );
  }
}
