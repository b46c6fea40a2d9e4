import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { MessagingSettings } from '@comeback/campaigns';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import { DISPATCH_OPTIONS, type DispatchOptions } from '../send/send.tokens';
import { ProviderError, type ChannelProvider } from './channel-provider';
import { SandboxProvider } from './sandbox.provider';
import { SmtpEmailProvider } from './smtp-email.provider';
import { TwilioSmsProvider } from './twilio-sms.provider';
import { TwilioVoiceProvider } from './twilio-voice.provider';
import { ViberProvider } from './viber.provider';

/**
 * The provider of each organization's channel, built from its messaging settings and kept while
 * the settings stay the same (an SMTP pool or HTTP agent is reused across messages). Secrets come
 * from the environment variables the settings name; a missing one fails the message permanently
 * with a code that says which variable to set.
 */
@Injectable()
export class ProviderRegistry implements OnApplicationShutdown {
  private readonly cache = new Map<string, { settings: string; config: MessagingSettings['providers'][Channel]; provider: ChannelProvider }>();

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(DISPATCH_OPTIONS) private readonly options: DispatchOptions,
  ) {}

  providerFor(organizationId: string, channel: Channel, settings: MessagingSettings): ChannelProvider {
    const key = `${organizationId}:${channel}`;
    const config = settings.providers[channel];
    const cached = this.cache.get(key);
    // The very settings object of the last call (the send service keeps parsed settings while they
    // are unchanged): no need to serialize it again for every message.
    if (cached?.config === config) return cached.provider;
    const fingerprint = JSON.stringify(config);
    if (cached && cached.settings === fingerprint) {
      cached.config = config;
      return cached.provider;
    }
    if (cached) void cached.provider.close?.();
    const provider = this.build(channel, config);
    this.cache.set(key, { settings: fingerprint, config, provider });
    return provider;
  }

  private build(channel: Channel, config: MessagingSettings['providers'][Channel]): ChannelProvider {
    switch (config.type) {
      case 'sandbox':
        return new SandboxProvider(channel, this.pool);
      case 'twilio': {
        const rest = { accountSid: config.accountSid, authToken: this.secret(config.authTokenEnv)!, apiBaseUrl: config.apiBaseUrl };
        if (channel === 'voice') return new TwilioVoiceProvider({ ...rest, from: config.from! });
        return new TwilioSmsProvider(config.messagingServiceSid ? { ...rest, messagingServiceSid: config.messagingServiceSid } : { ...rest, from: config.from! });
      }
      case 'smtp': {
        const user = this.secret(config.userEnv);
        return new SmtpEmailProvider({
          host: config.host, port: config.port, secure: config.secure, from: config.from,
          ...(user ? { auth: { user, pass: this.secret(config.passwordEnv) ?? '' } } : {}),
        });
      }
      case 'viber':
        return new ViberProvider({ authToken: this.secret(config.authTokenEnv)!, senderName: config.senderName, ...(config.apiBaseUrl ? { apiBaseUrl: config.apiBaseUrl } : {}) });
    }
  }

  /** A secret named by the settings, from the environment. */
  secret(name: string | undefined): string | undefined {
    if (!name) return undefined;
    const value = this.options.env[name];
    if (!value) throw new ProviderError('permanent', 'missing-secret', `environment variable ${name} is not set on the dispatcher`);
    return value;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.cache.values()].map((c) => c.provider.close?.()));
  }
}
