import { Module } from '@nestjs/common';
import { WebhookSecretsService } from './webhook-secrets.service';

/** The organizations' webhook secrets, one cache for every provider's webhooks. */
@Module({ providers: [WebhookSecretsService], exports: [WebhookSecretsService] })
export class WebhookSecretsModule {}
