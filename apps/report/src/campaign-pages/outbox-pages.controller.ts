import { Body, Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { CampaignError, CampaignsService } from '@comeback/campaigns';
import { ConsoleError } from '../console/auth/console.errors';
import { ConsoleGuard, RequirePermission } from '../console/auth/console.guard';
import { can, type ConsoleRequest } from '../console/auth/console-request';
import { ConsoleExceptionFilter } from '../console/console-exception.filter';
import { ViewRenderer } from '../console/view-renderer';
import { toConsoleError } from './template-pages.controller';

/**
 * What campaigns sent and what went wrong: the sandbox provider's outbox (the demo's and
 * development's phone and mailbox), where staff can answer a message as the client would; and the
 * dead letters (refused, given up, in doubt after a crash) with their retry.
 */
@Controller('console')
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
export class OutboxPagesController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly views: ViewRenderer,
  ) {}

  @Get('sandbox')
  @RequirePermission('viewCampaigns')
  async sandbox(@Req() req: ConsoleRequest, @Query() q: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { t, account, organization } = req.console;
    const entries = (await this.campaigns.sandbox(organization.id, 200)).map((e) => ({
      ...e,
      channelLabel: t.t(`channel.${e.channel}`),
      statusLabel: t.t(`message.status.${e.status}`),
      // What the client saw, part by part (SMS text; e-mail subject and text; Viber text and button; the call's script).
      parts: Object.entries(e.content)
        .filter(([part]) => ['text', 'subject', 'buttonText', 'buttonUrl', 'script'].includes(part))
        .map(([part, value]) => ({ label: t.t(`templates.part.${part}`), value: String(value) })),
    }));
    res.type('html').send(
      this.views.render('sandbox', t, { title: t.t('sandbox.title'), nav: 'campaigns', console: req.console }, {
        entries, canReply: can(account.role, 'manageCampaigns'), replied: /^\d{1,18}$/.test(String(q.replied ?? '')) ? String(q.replied) : null,
      }),
    );
  }

  @Post('sandbox/:messageId/reply')
  @RequirePermission('manageCampaigns')
  async reply(@Req() req: ConsoleRequest, @Param('messageId') messageId: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    try {
      await this.campaigns.sandboxReply(req.console.organization.id, messageId, typeof body.text === 'string' ? body.text : '');
    } catch (err) {
      throw toConsoleError(err);
    }
    res.redirect(303, `/console/sandbox?replied=${messageId}#m-${messageId}`);
  }

  @Get('dead-letters')
  @RequirePermission('viewCampaigns')
  async deadLetters(@Req() req: ConsoleRequest, @Query() q: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const { t, account, organization } = req.console;
    const letters = (await this.campaigns.deadLetters(organization.id)).map((l) => ({
      ...l,
      channelLabel: t.t(`channel.${String(l.channel)}`),
      statusLabel: t.t(`message.status.${String(l.status)}`),
      inDoubt: l.status === 'in_doubt',
    }));
    res.type('html').send(
      this.views.render('dead-letters', t, { title: t.t('deadLetters.title'), nav: 'campaigns', console: req.console }, {
        letters, canRetry: can(account.role, 'manageCampaigns'), done: q.done === 'queued' || q.done === 'sent' ? String(q.done) : null,
      }),
    );
  }

  @Post('dead-letters/:messageId/retry')
  @RequirePermission('manageCampaigns')
  async retry(@Req() req: ConsoleRequest, @Param('messageId') messageId: string, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const action = body.action === 'resend' || body.action === 'mark-sent' ? body.action : undefined;
    if (body.action !== undefined && body.action !== '' && !action) throw new ConsoleError('INVALID_INPUT', 'action: "resend" or "mark-sent"', 'action');
    let status: string;
    try {
      ({ status } = await this.campaigns.retry(req.console.organization.id, messageId, action));
    } catch (err) {
      if (err instanceof CampaignError && err.code === 'INVALID_STATE') throw new ConsoleError('INVALID_INPUT', err.message, err.problems[0]?.field ?? 'messageId');
      throw toConsoleError(err);
    }
    res.redirect(303, `/console/dead-letters?done=${status}`);
  }
}
