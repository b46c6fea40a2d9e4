import { COMMON_ENV, type ConfigOf, portVar } from '@comeback/config';

/** Every environment variable the report app reads; validated at start-up. */
export const REPORT_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3000),
};

export type ReportConfig = ConfigOf<typeof REPORT_ENV>;
