import { z } from 'zod';
import { COMMON_ENV, type ConfigOf, envVar, portVar } from '@comeback/config';

/** Every environment variable the campaign app reads; validated at start-up. */
export const CAMPAIGN_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3002),
  PUBLIC_FEEDBACK_URL: envVar(
    z.string().url().refine((v) => /^https?:\/\//.test(v), 'must be an http(s) URL').default('http://127.0.0.1:3001'),
    "Public base URL of the response collector: messages link to <url>/f/<token> (feedback) and <url>/u/<token> (opt out).",
  ),
};

export type CampaignConfig = ConfigOf<typeof CAMPAIGN_ENV>;
