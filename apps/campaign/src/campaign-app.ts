import { CampaignManagementModule } from '@comeback/campaigns';
import { NulFreeInputModule, type AppOptions } from '@comeback/platform';
import { CampaignsModule } from './campaigns/campaigns.module';
import type { CampaignConfig } from './config';
import { FanOutModule } from './fan-out/fan-out.module';
import { TemplatesModule } from './templates/templates.module';

/** The campaign app as it runs: templates, campaigns and their fan-out. main.ts starts it; tests build exactly this. */
export function campaignAppOptions(config: CampaignConfig): Omit<AppOptions, 'config'> {
  return {
    app: 'campaign',
    imports: [NulFreeInputModule, CampaignManagementModule.forRoot({ publicFeedbackUrl: config.PUBLIC_FEEDBACK_URL }), FanOutModule, TemplatesModule, CampaignsModule],
    jsonBodyLimit: '1mb',
  };
}
