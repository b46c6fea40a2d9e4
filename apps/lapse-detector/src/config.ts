import { COMMON_ENV, type ConfigOf, portVar } from '@comeback/config';

/** Every environment variable the lapse-detector app reads; validated at start-up. */
export const LAPSE_DETECTOR_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3003),
};

export type LapseDetectorConfig = ConfigOf<typeof LAPSE_DETECTOR_ENV>;
