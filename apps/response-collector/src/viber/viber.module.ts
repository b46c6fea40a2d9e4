import { Module } from '@nestjs/common';
import { IntakeModule } from '../intake/intake.module';
import { WebhookSecretsModule } from '../webhook-secrets/webhook-secrets.module';
import { ViberWebhooksController } from './viber-webhooks.controller';

/** Viber's callbacks: signature first, then the durable intake. */
@Module({ imports: [IntakeModule, WebhookSecretsModule], controllers: [ViberWebhooksController] })
export class ViberModule {}
