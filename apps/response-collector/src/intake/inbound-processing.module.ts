import { Module } from '@nestjs/common';
import { TwilioModule } from '../twilio/twilio.module';
import { InboundProcessor } from './inbound.processor';

/** The durable intake's back: the worker that records and handles each inbound request once. */
@Module({ imports: [TwilioModule], providers: [InboundProcessor] })
export class InboundProcessingModule {}
