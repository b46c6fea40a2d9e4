import { PUBLIC_FEEDBACK_URL_VAR } from '@comeback/campaigns';
import { COMMON_ENV, type ConfigOf, pgPoolSizeVar, portVar } from '@comeback/config';

/** Every environment variable the campaign app reads; validated at start-up. */
export const CAMPAIGN_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3002),
  PUBLIC_FEEDBACK_URL: PUBLIC_FEEDBACK_URL_VAR,
  PG_POOL_SIZE: pgPoolSizeVar(),
};

export type CampaignConfig = ConfigOf<typeof CAMPAIGN_ENV>;
