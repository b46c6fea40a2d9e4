import { Module } from '@nestjs/common';
import { RepliesModule } from '../replies/replies.module';
import { InboundProcessor } from './inbound.processor';

/** The durable intake's back: the worker that records and handles each inbound request once. */
@Module({ imports: [RepliesModule], providers: [InboundProcessor] })
export class InboundProcessingModule {}
