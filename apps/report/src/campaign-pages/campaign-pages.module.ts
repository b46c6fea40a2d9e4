import { Module } from '@nestjs/common';
import { LostClientsModule } from '../lost-clients/lost-clients.module';
import { CampaignPagesController } from './campaign-pages.controller';
import { OutboxPagesController } from './outbox-pages.controller';
import { TemplatePagesController } from './template-pages.controller';

/**
 * The console's campaign pages: template editor, campaign wizard and progress, sandbox inbox, dead
 * letters. The work is the shared CampaignManagementModule's (the same as the campaign app's API).
 */
@Module({
  imports: [LostClientsModule],
  controllers: [TemplatePagesController, CampaignPagesController, OutboxPagesController],
})
export class CampaignPagesModule {}
