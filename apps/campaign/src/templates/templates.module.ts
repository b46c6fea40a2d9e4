import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '@comeback/platform';
import { TemplatesController } from './templates.controller';

/** Message templates over the API: validated saves and previews (TemplatesService is the shared library's). */
@Module({ controllers: [TemplatesController], providers: [ApiKeyGuard] })
export class TemplatesModule {}
