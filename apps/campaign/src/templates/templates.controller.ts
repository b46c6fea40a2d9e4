import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { CHANNEL, LOCALE, PREVIEW_TEMPLATE_BODY, SAVE_TEMPLATE_BODY, TEMPLATE_KEY, TemplatesService, type StoredTemplate, type TemplatePreview } from '@comeback/campaigns';
import { ApiKeyGuard } from '@comeback/platform';
import { parseBody, toHttp } from '../campaign.errors';

const TEMPLATE_PATH = z.object({ key: TEMPLATE_KEY, channel: CHANNEL, locale: LOCALE });

/**
 * Message templates over the API: `PUT .../templates/:key/:channel/:locale {parts}` saves a
 * template that validates (400 with every problem's part, line and column otherwise);
 * `POST .../templates/preview` renders one for a client, with the SMS counter.
 */
@Controller('api/v1/organizations/:organizationId/templates')
@UseGuards(ApiKeyGuard)
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get()
  list(@Param('organizationId', ParseUUIDPipe) orgId: string): Promise<StoredTemplate[]> {
    return this.templates.list(orgId);
  }

  @Post('preview')
  @HttpCode(200)
  async preview(@Param('organizationId', ParseUUIDPipe) orgId: string, @Body() body: unknown): Promise<TemplatePreview> {
    try {
      const b = parseBody(PREVIEW_TEMPLATE_BODY, body);
      return await this.templates.preview(orgId, b.template, b.clientId);
    } catch (err) {
      throw toHttp(err);
    }
  }

  @Put(':key/:channel/:locale')
  async save(
    @Param('organizationId', ParseUUIDPipe) orgId: string, @Param('key') key: string, @Param('channel') channel: string, @Param('locale') locale: string,
    @Body() body: unknown,
  ): Promise<StoredTemplate> {
    try {
      const path = parseBody(TEMPLATE_PATH, { key, channel, locale });
      return await this.templates.save(orgId, path.key, path.channel, path.locale, parseBody(SAVE_TEMPLATE_BODY, body).parts);
    } catch (err) {
      throw toHttp(err);
    }
  }

  @Delete(':key/:channel/:locale')
  @HttpCode(204)
  async remove(@Param('organizationId', ParseUUIDPipe) orgId: string, @Param('key') key: string, @Param('channel') channel: string, @Param('locale') locale: string): Promise<void> {
    try {
      const path = parseBody(TEMPLATE_PATH, { key, channel, locale });
      await this.templates.remove(orgId, path.key, path.channel, path.locale);
    } catch (err) {
      throw toHttp(err);
    }
  }
}
