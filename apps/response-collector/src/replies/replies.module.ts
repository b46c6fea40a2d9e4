import { Module } from '@nestjs/common';
import { TextRepliesService } from './text-replies.service';

/** What clients' replies mean, once they are through the intake: text replies, consent, delivery reports. */
@Module({ providers: [TextRepliesService], exports: [TextRepliesService] })
export class RepliesModule {}
