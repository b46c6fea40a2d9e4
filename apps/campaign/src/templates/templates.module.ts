import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '@comeback/platform';
import { TemplatesController } from './templates.controller';
import { TemplatesService } from './templates.service';

/** Message templates: validated saves and previews (uses the fan-out's options for the link base). */
@Module({ controllers: [TemplatesController], providers: [ApiKeyGuard, TemplatesService], exports: [TemplatesService] })
export class TemplatesModule {}
