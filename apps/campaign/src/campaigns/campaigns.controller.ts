import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { CampaignsService, CREATE_CAMPAIGN_BODY, RETRY_BODY, SANDBOX_REPLY_BODY, SCHEDULE_CAMPAIGN_BODY, type CampaignEstimate, type CampaignView, type SandboxEntry } from '@comeback/campaigns';
import { ApiKeyGuard } from '@comeback/platform';
import { parseBody, toHttp } from '../campaign.errors';

/**
 * Campaigns over the API (`/api/v1/organizations/:organizationId/...`): create a draft, estimate
 * it, schedule, pause, resume, cancel, follow its progress; the dead letters with their retry, and
 * the sandbox outbox. Bad input is 400 with each problem's field; a wrong state is 409.
 */
@Controller('api/v1/organizations/:organizationId')
@UseGuards(ApiKeyGuard)
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post('campaigns')
  create(@Param('organizationId', ParseUUIDPipe) orgId: string, @Body() body: unknown): Promise<CampaignView> {
    return this.run(() => this.campaigns.create(orgId, parseBody(CREATE_CAMPAIGN_BODY, body)));
  }

  @Get('campaigns')
  list(@Param('organizationId', ParseUUIDPipe) orgId: string): Promise<CampaignView[]> {
    return this.run(() => this.campaigns.list(orgId));
  }

  @Get('campaigns/:id')
  get(@Param('organizationId', ParseUUIDPipe) orgId: string, @Param('id') id: string): Promise<CampaignView> {
    return this.run(() => this.campaigns.get(orgId, id));
  }

  @Post('campaigns/:id/estimate')
  @HttpCode(200)
  estimate(@Param('organizationId', ParseUUIDPipe) orgId: string, @Param('id') id: string): Promise<CampaignEstimate> {
    return this.run(() => this.campaigns.estimate(orgId, id));
  }

  @Post('campaigns/:id/schedule')
  @HttpCode(200)
  schedule(@Param('organizationId', ParseUUIDPipe) orgId: string, @Param('id') id: string, @Body() body: unknown): Promise<CampaignView> {
    return this.run(() => this.campaigns.schedule(orgId, id, parseBody(SCHEDULE_CAMPAIGN_BODY, body).at));
  }

  @Post('campaigns/:id/pause')
  @HttpCode(200)
  pause(@Param('organizationId', ParseUUIDPipe) orgId: string, @Param('id') id: string): Promise<CampaignView> {
    return this.run(() => this.campaigns.pause(orgId, id));
  }

  @Post('campaigns/:id/resume')
  @HttpCode(200)
  resume(@Param('organizationId', ParseUUIDPipe) orgId: string, @Param('id') id: string): Promise<CampaignView> {
    return this.run(() => this.campaigns.resume(orgId, id));
  }

  @Post('campaigns/:id/cancel')
  @HttpCode(200)
  cancel(@Param('organizationId', ParseUUIDPipe) orgId: string, @Param('id') id: string): Promise<CampaignView> {
    return this.run(() => this.campaigns.cancel(orgId, id));
  }

  @Get('dead-letters')
  deadLetters(@Param('organizationId', ParseUUIDPipe) orgId: string): Promise<Record<string, unknown>[]> {
    return this.run(() => this.campaigns.deadLetters(orgId));
  }

  @Post('dead-letters/:messageId/retry')
  @HttpCode(200)
  retry(@Param('organizationId', ParseUUIDPipe) orgId: string, @Param('messageId') messageId: string, @Body() body: unknown): Promise<{ id: string; status: string }> {
    return this.run(() => this.campaigns.retry(orgId, messageId, parseBody(RETRY_BODY, body).action));
  }

  @Get('sandbox/messages')
  sandbox(@Param('organizationId', ParseUUIDPipe) orgId: string): Promise<SandboxEntry[]> {
    return this.run(() => this.campaigns.sandbox(orgId));
  }

  @Post('sandbox/messages/:messageId/reply')
  @HttpCode(200)
  sandboxReply(@Param('organizationId', ParseUUIDPipe) orgId: string, @Param('messageId') messageId: string, @Body() body: unknown): Promise<{ messageId: string; repliedAt: Date }> {
    return this.run(() => this.campaigns.sandboxReply(orgId, messageId, parseBody(SANDBOX_REPLY_BODY, body).text));
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      throw toHttp(err);
    }
  }
}
