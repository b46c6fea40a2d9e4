import { Module } from '@nestjs/common';
import { ApiKeyGuard } from '@comeback/platform';
import { TemplatesModule } from '../templates/templates.module';
import { CampaignsController } from './campaigns.controller';
import { CampaignsService } from './campaigns.service';

/** Campaigns, their estimate and state changes, dead letters and the sandbox outbox (the queues come from the fan-out module). */
@Module({ imports: [TemplatesModule], controllers: [CampaignsController], providers: [ApiKeyGuard, CampaignsService], exports: [CampaignsService] })
export class CampaignsModule {}
