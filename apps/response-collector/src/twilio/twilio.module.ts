import { Module } from '@nestjs/common';
import { IntakeModule } from '../intake/intake.module';
import { TwilioAuthService } from './twilio-auth.service';
import { TwilioWebhooksController } from './twilio-webhooks.controller';

/** Twilio's webhooks (signature first, then the durable intake) and what their requests mean. */
@Module({ imports: [IntakeModule], controllers: [TwilioWebhooksController], providers: [TwilioAuthService] })
export class TwilioModule {}
