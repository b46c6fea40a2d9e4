import { Module } from '@nestjs/common';
import { TwilioModule } from '../twilio/twilio.module';
import { LeanPathServer } from './lean-path.server';

/** The web process's lean path for inbound texts and feedback answers (LeanPathServer). The feedback services come from FeedbackModule (global). */
@Module({ imports: [TwilioModule], providers: [LeanPathServer] })
export class LeanPathModule {}
