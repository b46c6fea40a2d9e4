import { COMMON_ENV, type ConfigOf } from '@comeback/config';

/** The CLI reads the same connection settings as the apps. */
export const CLI_ENV = {
  DATABASE_URL: COMMON_ENV.DATABASE_URL,
  REDIS_URL: COMMON_ENV.REDIS_URL,
};

export type CliConfig = ConfigOf<typeof CLI_ENV>;
