import { Module } from '@nestjs/common';
import { IntakeModule } from '../intake/intake.module';
import { ViberWebhooksController } from './viber-webhooks.controller';

/** Viber's callbacks: signature first, then the durable intake. */
@Module({ imports: [IntakeModule], controllers: [ViberWebhooksController] })
export class ViberModule {}
