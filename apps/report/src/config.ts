import { PUBLIC_FEEDBACK_URL_VAR } from '@comeback/campaigns';
import { COMMON_ENV, type ConfigOf, portVar } from '@comeback/config';

/** Every environment variable the report app reads; validated at start-up. */
export const REPORT_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3000),
  PUBLIC_FEEDBACK_URL: PUBLIC_FEEDBACK_URL_VAR,
};

export type ReportConfig = ConfigOf<typeof REPORT_ENV>;
