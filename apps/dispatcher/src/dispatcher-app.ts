import type { AppOptions } from '@comeback/platform';
import type { DispatcherConfig } from './config';
import { SendModule } from './send/send.module';
import type { DispatchOptions } from './send/send.tokens';

/** The dispatcher's send options from its validated configuration. */
export function dispatchOptions(config: DispatcherConfig, env: NodeJS.ProcessEnv = process.env): DispatchOptions {
  return {
    concurrency: config.DISPATCH_CONCURRENCY,
    ratePerSecond: { sms: config.DISPATCH_RATE_SMS, email: config.DISPATCH_RATE_EMAIL, viber: config.DISPATCH_RATE_VIBER, voice: config.DISPATCH_RATE_VOICE },
    lockSeconds: config.DISPATCH_LOCK_SECONDS,
    publicCallbackUrl: config.PUBLIC_CALLBACK_URL,
    env,
  };
}

/** The dispatcher as it runs: the per-channel send workers. main.ts starts it; tests build exactly this. */
export function dispatcherAppOptions(config: DispatcherConfig, env: NodeJS.ProcessEnv = process.env): Omit<AppOptions, 'config'> {
  return { app: 'dispatcher', imports: [SendModule.forRoot(dispatchOptions(config, env))] };
}
