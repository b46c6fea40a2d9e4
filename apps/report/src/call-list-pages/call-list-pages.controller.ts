import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import type { Pool } from 'pg';
import {
  assignCallTask,
  CALL_PAGE_SIZE,
  CallListError,
  callListSummary,
  callTask,
  type CallQueue,
  generateCallList,
  listCallTasks,
  recordCallOutcome,
  setCallListTopN,
} from '@comeback/call-list';
import { PG_POOL } from '@comeback/platform';
import { labelInLocale, loadReasonBook, type ReasonSuggestion } from '@comeback/reasons';
import { ClientCardService } from '../client-card/client-card.service';
import { ConsoleError } from '../console/auth/console.errors';
import { ConsoleGuard, RequirePermission } from '../console/auth/console.guard';
import { can, type ConsoleRequest } from '../console/auth/console-request';
import { ConsoleExceptionFilter } from '../console/console-exception.filter';
import { ViewRenderer } from '../console/view-renderer';
import { callListQuery, callOutcomeForm, parseCallOutcome, type CallOutcomeForm } from './dto/call-forms';

const ID = /^[1-9][0-9]{0,17}$/;

function taskId(value: string): string {
  if (!ID.test(value)) throw new ConsoleError('NOT_FOUND', `There is no call ${value.slice(0, 40)}.`, 'id');
  return value;
}

/** The call list's refusals as the console's: no such task 404, changed meanwhile 409, else a 400 naming the field. */
function toConsoleError(err: unknown): unknown {
  if (!(err instanceof CallListError)) return err;
  if (err.code === 'NOT_FOUND') return new ConsoleError('NOT_FOUND', err.message);
  if (err.code === 'INVALID_STATE') return new ConsoleError('CONFLICT', err.message, err.field);
  return new ConsoleError('INVALID_INPUT', err.message, err.field);
}

/**
 * The managers' queue is theirs: its most valuable clients are called personally by whoever runs
 * the call list (admins, marketers); callers work the retention team's queue.
 */
function mayWork(role: ConsoleRequest['console']['account']['role'], queue: CallQueue): boolean {
  return can(role, queue === 'managers' ? 'manageCalls' : 'workCalls');
}

/** An instant as the organization's wall clock for a `datetime-local` field. */
function localInput(at: Date | null, timeZone: string): string {
  if (!at) return '';
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** A problem as the card shows it next to its field: the message already in the viewer's language. */
interface ShownProblem {
  field: string;
  message: string;
}

const EMPTY_FORM: CallOutcomeForm = { outcome: '', reason: '', useReasonId: '', confirmNew: false, clientWords: '', offerMade: '', agreed: '', callBackAt: '', note: '', expectedAttempts: null };

/**
 * The call list for human outreach (libs/call-list): each win-back cycle the most valuable lost
 * clients go to managers, those who asked for a call or cannot be reached in writing to the
 * retention team. `GET /console/calls` lists a queue; `GET /console/calls/:id` is the call card
 * (the client's history, their own answers, the five-part script and the outcome form).
 */
@Controller('console/calls')
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
export class CallListPagesController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly cards: ClientCardService,
    private readonly views: ViewRenderer,
  ) {}

  @Get()
  @RequirePermission('viewCalls')
  async list(@Req() req: ConsoleRequest, @Query() q: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { t, account, organization } = req.console;
    const query = callListQuery(q);
    const [summary, page] = await Promise.all([callListSummary(this.pool, organization.id), listCallTasks(this.pool, organization.id, query)]);
    const link = (over: Partial<typeof query>) => {
      const next = { ...query, ...over };
      return `/console/calls?queue=${next.queue}&view=${next.view}${next.page > 1 ? `&page=${next.page}` : ''}`;
    };
    res.type('html').send(
      this.views.render('calls', t, { title: t.t('calls.title'), nav: 'calls', console: req.console }, {
        summary,
        cycleMonth: t.formatMonth(summary.cycle),
        query,
        queues: (['managers', 'retention'] as const).map((queue) => ({ queue, href: link({ queue, page: 1 }), current: queue === query.queue, counts: summary.queues[queue] })),
        views: (['to_call', 'done', 'closed', 'returned'] as const).map((view) => ({ view, href: link({ view, page: 1 }), current: view === query.view })),
        tasks: page.rows.map((row, i) => ({ ...row, position: (query.page - 1) * CALL_PAGE_SIZE + i + 1, mine: row.assignedTo === account.id })),
        prev: query.page > 1 ? link({ page: query.page - 1 }) : null,
        next: page.more ? link({ page: query.page + 1 }) : null,
        canManage: can(account.role, 'manageCalls'),
        canWork: mayWork(account.role, query.queue),
        rebuilt: typeof q.rebuilt === 'string' && /^\d{1,6}-\d{1,6}$/.test(q.rebuilt) ? { managers: Number(q.rebuilt.split('-')[0]), retention: Number(q.rebuilt.split('-')[1]) } : null,
        settingsSaved: q.saved === '1',
      }),
    );
  }

  /** Builds or tops up this cycle's list now (it is also built at the end of every lapse sweep). */
  @Post('rebuild')
  @RequirePermission('manageCalls')
  async rebuild(@Req() req: ConsoleRequest, @Res() res: Response): Promise<void> {
    const added = await generateCallList(this.pool, req.console.organization.id);
    res.redirect(303, `/console/calls?rebuilt=${added.managers}-${added.retention}`);
  }

  @Post('settings')
  @RequirePermission('manageCalls')
  async settings(@Req() req: ConsoleRequest, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const typed = typeof body.topN === 'string' ? body.topN.trim() : '';
    if (!/^[0-9]{1,3}$/.test(typed)) {
      const { t } = req.console;
      throw new ConsoleError('INVALID_INPUT', `${t.t('call.field.topN')}: ${t.t('call.problem.topN')}`, 'topN');
    }
    await setCallListTopN(this.pool, req.console.organization.id, Number(typed)).catch((err) => Promise.reject(toConsoleError(err)));
    res.redirect(303, '/console/calls?saved=1');
  }

  @Get(':id')
  @RequirePermission('viewCalls')
  async card(@Req() req: ConsoleRequest, @Param('id') id: string, @Query('saved') saved: unknown, @Res() res: Response): Promise<void> {
    await this.renderCard(req, res, taskId(id), 200, { saved: saved === '1' });
  }

  @Post(':id/take')
  @RequirePermission('workCalls')
  async take(@Req() req: ConsoleRequest, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const { organization, account } = req.console;
    await this.checkQueue(req, taskId(id));
    await assignCallTask(this.pool, organization.id, id, account.id, true).catch((err) => Promise.reject(toConsoleError(err)));
    res.redirect(303, `/console/calls/${id}`);
  }

  /** Gives a task back; whoever runs the call list may give back one held by someone else. */
  @Post(':id/release')
  @RequirePermission('workCalls')
  async release(@Req() req: ConsoleRequest, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const { organization, account } = req.console;
    await this.checkQueue(req, taskId(id));
    await assignCallTask(this.pool, organization.id, id, account.id, false, can(account.role, 'manageCalls')).catch((err) => Promise.reject(toConsoleError(err)));
    res.redirect(303, `/console/calls/${id}`);
  }

  @Post(':id/outcome')
  @RequirePermission('workCalls')
  async outcome(@Req() req: ConsoleRequest, @Param('id') id: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { organization, account, t } = req.console;
    const task = taskId(id);
    await this.checkQueue(req, task);
    const form = callOutcomeForm(body);
    const parsed = parseCallOutcome(form, organization.timezone);
    // Each problem in the caller's language, by its key in the console's catalogs.
    if ('problems' in parsed) return this.renderCard(req, res, task, 400, { form, problems: parsed.problems.map((p) => ({ field: p.field, message: t.t(p.key, p.params) })) });
    try {
      const result = await recordCallOutcome(this.pool, { organizationId: organization.id, taskId: task, recordedBy: account.id, locale: t.locale, ...parsed });
      // A typed reason close to an existing one: the card again with the choices, nothing saved.
      if (!result.saved) return this.renderCard(req, res, task, 409, { form, nearDuplicates: result.nearDuplicates });
    } catch (err) {
      // Refused by the call list (a field, or the task changed meanwhile): the card again, as typed.
      if (err instanceof CallListError && err.code !== 'NOT_FOUND') {
        return this.renderCard(req, res, task, err.code === 'INVALID_STATE' ? 409 : 400, { form, problems: [{ field: err.field ?? 'outcome', message: err.message }] });
      }
      throw toConsoleError(err);
    }
    res.redirect(303, `/console/calls/${task}?saved=1`);
  }

  /** Refuses work on a managers' task to someone who may only work the retention team's queue. */
  private async checkQueue(req: ConsoleRequest, id: string): Promise<void> {
    const { rows } = await this.pool.query<{ queue: CallQueue }>(`SELECT queue FROM call_tasks WHERE organization_id = $1 AND id = $2`, [req.console.organization.id, id]);
    if (!rows[0]) throw new ConsoleError('NOT_FOUND', `There is no call ${id}.`);
    if (!mayWork(req.console.account.role, rows[0].queue)) throw new ConsoleError('FORBIDDEN', "The managers' calls are made by admins and marketers.");
  }

  private async renderCard(
    req: ConsoleRequest,
    res: Response,
    id: string,
    status: number,
    extra: { saved?: boolean; form?: CallOutcomeForm; problems?: ShownProblem[]; nearDuplicates?: ReasonSuggestion[] },
  ): Promise<void> {
    const { organization, account, t } = req.console;
    const task = await callTask(this.pool, organization.id, id).catch((err) => Promise.reject(toConsoleError(err)));
    const [card, book] = await Promise.all([this.cards.card(organization.id, task.clientId, t.locale), loadReasonBook(this.pool, organization.id)]);
    // The live reasons, in the caller's language (with the reason list's fallbacks): the reason field's suggestions.
    const reasons = book.reasons.map((r) => labelInLocale(r, t.locale)).sort((a, b) => a.localeCompare(b, t.locale));
    const problems = Object.fromEntries((extra.problems ?? []).map((p) => [p.field, p.message]));
    // The attempts the caller saw: a call recorded by someone else meanwhile makes the form stale.
    const form = { ...(extra.form ?? { ...EMPTY_FORM, callBackAt: localInput(task.callBackAt, organization.timezone) }), expectedAttempts: task.attempts };
    const lastAnswer = task.answers.find((a) => a.reason || a.text);
    res
      .status(status)
      .type('html')
      .send(
        this.views.render('call', t, { title: t.t('call.title', { name: task.name }), nav: 'calls', console: req.console }, {
          task,
          client: card.client,
          totals: card.totals,
          visits: card.visits.slice(0, 10),
          episode: card.episodes.find((e) => e.id === task.episodeId) ?? card.episodes[0] ?? null,
          activities: card.activities.slice(0, 15),
          reasons,
          lastAnswer,
          script: {
            name: task.name,
            caller: account.displayName,
            org: organization.name,
            lastVisit: task.lastVisitAt ? t.formatDay(task.lastVisitAt) : null,
            told: lastAnswer ? (lastAnswer.reason ?? lastAnswer.text) : null,
          },
          form,
          problems,
          problemList: extra.problems ?? [],
          nearDuplicates: extra.nearDuplicates ?? null,
          saved: extra.saved,
          canWork: mayWork(account.role, task.queue),
          canManage: can(account.role, 'manageCalls'),
          open: task.status !== 'closed',
          mine: task.assignedTo === account.id,
          takenByOther: task.assignedTo !== null && task.assignedTo !== account.id,
          outcomes: task.status === 'done' ? ['reached'] : ['reached', 'call_back', 'no_answer', 'do_not_call', 'wrong_number'],
        }),
      );
  }
}
