import { Module } from '@nestjs/common';
import { CampaignsProcessor } from './campaigns.processor';
import { FallbackSweepScheduler } from './fallback-sweep.scheduler';
import { FallbackService } from './fallback.service';
import { FanOutService } from './fan-out.service';
import { MessageRenderer } from './message-renderer';

/**
 * The campaigns queue's worker: campaign starts (the fan-out) and the channel fallback sweep (its
 * job scheduler too), both rendering with MessageRenderer and filling the send queues (from
 * CampaignManagementModule).
 */
@Module({ providers: [MessageRenderer, FanOutService, FallbackService, FallbackSweepScheduler, CampaignsProcessor], exports: [FanOutService, FallbackService] })
export class FanOutModule {}
