import { type DynamicModule, Module } from '@nestjs/common';
import { OutboxRelayModule } from '@comeback/events';
import { FeedbackRecordingModule } from '../feedback/feedback-recording.module';
import type { FeedbackOptions } from '../feedback/feedback.options';
import { RepliesModule } from '../replies/replies.module';
import { INBOUND_PROCESSING_OPTIONS, InboundProcessor, type InboundProcessingOptions } from './inbound.processor';

/**
 * The durable intake's back: the worker that records and handles each inbound request once (the
 * providers' webhooks and the feedback page's answers). It runs in the inbound worker process
 * (worker.ts), apart from the web process that takes the requests. The process relays the events
 * it writes (reason.recorded) itself, so they do not wait for the lapse detector.
 */
@Module({})
export class InboundProcessingModule {
  static forRoot(options: InboundProcessingOptions & { feedback: FeedbackOptions }): DynamicModule {
    return {
      module: InboundProcessingModule,
      imports: [OutboxRelayModule, RepliesModule, FeedbackRecordingModule.forRoot(options.feedback)],
      providers: [{ provide: INBOUND_PROCESSING_OPTIONS, useValue: { concurrency: options.concurrency } }, InboundProcessor],
    };
  }
}
