import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ConsoleError } from '../console/auth/console.errors';
import { ConsoleGuard, RequirePermission } from '../console/auth/console.guard';
import { can, type ConsoleRequest } from '../console/auth/console-request';
import { ConsoleExceptionFilter } from '../console/console-exception.filter';
import { ViewRenderer } from '../console/view-renderer';
import { REASON_ERROR_STATUS } from '../reason-pages/reason-pages.errors';
import { ClientCardService, type ReasonInput, type ReasonOutcome } from './client-card.service';
import { parseReasonForm } from './dto/reason-form.dto';
import { ReasonListError, type ReasonSuggestion } from '@comeback/reasons';

/** The reason form sent back: a near-duplicate warning (nothing saved yet) or a reason that cannot be chosen. */
interface PendingReason {
  episodeId: string;
  input: ReasonInput;
  nearDuplicates: ReasonSuggestion[];
  /** The retired reason the form named (by id or by its words). */
  refused?: { label: string };
}

const ID = /^[1-9][0-9]{0,17}$/;

function checkId(value: string, field: string): string {
  if (!ID.test(value)) throw new ConsoleError('NOT_FOUND', `${field}: no such id`, field);
  return value;
}

/** Today's date in the organization's time zone. */
function localToday(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
}

/**
 * `GET /console/clients/:clientId` (the card), `…/card.json`, `POST …/episodes/:episodeId/reason`
 * (record the reason and date of leaving: 303 when saved; the card again with 409 for a
 * near-duplicate warning or a retired reason; 404 for another client's or organization's episode
 * or reason), and `GET /console/reasons/suggest?q=` (the reason field's suggestions and
 * near-duplicate warning, for the page's script). Reasons are the live ones of the reason list,
 * labelled in the staff member's console language.
 */
@Controller('console')
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
export class ClientCardController {
  constructor(
    private readonly cards: ClientCardService,
    private readonly views: ViewRenderer,
  ) {}

  @Get('clients/:clientId')
  @RequirePermission('viewClients')
  async card(@Req() req: ConsoleRequest, @Param('clientId') clientId: string, @Res() res: Response, @Query('saved') saved?: string): Promise<void> {
    await this.renderCard(req, res, checkId(clientId, 'clientId'), 200, { saved: saved === '1' });
  }

  @Get('clients/:clientId/card.json')
  @RequirePermission('viewClients')
  cardJson(@Req() req: ConsoleRequest, @Param('clientId') clientId: string) {
    return this.cards.card(req.console.organization.id, checkId(clientId, 'clientId'), req.console.t.locale);
  }

  @Post('clients/:clientId/episodes/:episodeId/reason')
  @RequirePermission('editClients')
  async recordReason(
    @Req() req: ConsoleRequest,
    @Param('clientId') clientId: string,
    @Param('episodeId') episodeId: string,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    const { organization, account, t } = req.console;
    checkId(clientId, 'clientId');
    checkId(episodeId, 'episodeId');
    const input = parseReasonForm(body, localToday(organization.timezone));
    let outcome: ReasonOutcome;
    try {
      outcome = await this.cards.recordReason(organization.id, clientId, episodeId, account.id, input, t.locale);
    } catch (err) {
      if (!(err instanceof ReasonListError)) throw err;
      if ((err.code === 'INVALID_STATE' || err.code === 'DUPLICATE') && err.reasonId) {
        // A retired reason (picked on a stale page, or typed): the form again, saying so, nothing saved.
        const label = (await this.cards.reasonLabel(organization.id, err.reasonId, t.locale)) ?? input.label;
        return this.renderCard(req, res, clientId, REASON_ERROR_STATUS[err.code], { pending: { episodeId, input, nearDuplicates: [], refused: { label } } });
      }
      throw new ConsoleError(err.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'INVALID_INPUT', err.message);
    }
    if (outcome.saved) return res.redirect(303, `/console/clients/${clientId}?saved=1#episode-${episodeId}`);
    // A near-duplicate: show the card again with the warning and both choices, nothing saved yet.
    await this.renderCard(req, res, clientId, 409, { pending: { episodeId, input, nearDuplicates: outcome.nearDuplicates } });
  }

  @Get('reasons/suggest')
  @RequirePermission('viewClients')
  suggest(@Req() req: ConsoleRequest, @Query('q') q: unknown) {
    const text = typeof q === 'string' ? q.slice(0, 200) : '';
    return this.cards.suggest(req.console.organization.id, text, req.console.t.locale);
  }

  private async renderCard(
    req: ConsoleRequest,
    res: Response,
    clientId: string,
    status: number,
    extra: { saved?: boolean; pending?: PendingReason },
  ): Promise<void> {
    const { organization, account, t } = req.console;
    const [card, reasons] = await Promise.all([this.cards.card(organization.id, clientId, t.locale), this.cards.reasons(organization.id, t.locale)]);
    const canEdit = can(account.role, 'editClients');
    const episodes = card.episodes.map((e, i) => ({
      ...e,
      // The reason form sits on the newest episode (the one a person is working on), and on any
      // episode whose form was just sent back with a warning.
      editable: canEdit && (i === 0 || extra.pending?.episodeId === e.id),
      pending: extra.pending?.episodeId === e.id ? extra.pending : undefined,
    }));
    res
      .status(status)
      .type('html')
      .send(
        this.views.render('client-card', t, { title: card.client.name, nav: 'lost', console: req.console, scripts: ['client-card.js'] }, {
          ...card,
          episodes,
          reasons,
          saved: extra.saved,
          today: localToday(organization.timezone),
        }),
      );
  }
}
