import { Module } from '@nestjs/common';
import { CampaignsProcessor } from './campaigns.processor';
import { FanOutService } from './fan-out.service';

/** The fan-out: the campaigns queue's worker, filling the send queues (from CampaignManagementModule). */
@Module({ providers: [FanOutService, CampaignsProcessor], exports: [FanOutService] })
export class FanOutModule {}
