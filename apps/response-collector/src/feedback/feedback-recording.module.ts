import { type DynamicModule, Module } from '@nestjs/common';
import { FeedbackRecorder } from './feedback-recorder.service';
import { FEEDBACK_OPTIONS, type FeedbackOptions } from './feedback.options';

/** What writes the feedback answers the page accepted: used by the inbound worker (worker.ts), not by the web process. */
@Module({})
export class FeedbackRecordingModule {
  static forRoot(options: FeedbackOptions): DynamicModule {
    return {
      module: FeedbackRecordingModule,
      providers: [{ provide: FEEDBACK_OPTIONS, useValue: options }, FeedbackRecorder],
      exports: [FeedbackRecorder],
    };
  }
}
