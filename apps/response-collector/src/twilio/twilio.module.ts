import { Module } from '@nestjs/common';
import { IntakeModule } from '../intake/intake.module';
import { WebhookSecretsModule } from '../webhook-secrets/webhook-secrets.module';
import { TwilioAuthService } from './twilio-auth.service';
import { TwilioSmsIntake } from './twilio-sms-intake.service';
import { TwilioWebhooksController } from './twilio-webhooks.controller';

/** Twilio's webhooks (signature first, then the durable intake) and what their requests mean. */
@Module({ imports: [IntakeModule, WebhookSecretsModule], controllers: [TwilioWebhooksController], providers: [TwilioAuthService, TwilioSmsIntake], exports: [TwilioSmsIntake] })
export class TwilioModule {}
