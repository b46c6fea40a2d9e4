import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '@comeback/platform';
import { CampaignsController } from './campaigns.controller';

/** Campaigns over the API: estimate, state changes, dead letters and the sandbox outbox (CampaignsService is the shared library's). */
@Module({ controllers: [CampaignsController], providers: [ApiKeyGuard] })
export class CampaignsModule {}
