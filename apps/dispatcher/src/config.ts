import { COMMON_ENV, type ConfigOf, portVar } from '@comeback/config';

/** Every environment variable the dispatcher app reads; validated at start-up. */
export const DISPATCHER_ENV = {
  ...COMMON_ENV,
  PORT: portVar(3004),
};

export type DispatcherConfig = ConfigOf<typeof DISPATCHER_ENV>;
