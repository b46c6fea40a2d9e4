import { Module } from '@nestjs/common';
import { OutboxRelayModule } from '@comeback/events';
import { ReasonPagesController } from './reason-pages.controller';
import { ReplyPagesController } from './reply-pages.controller';

/** The console's reason list (reasons, candidates, merging) and the replies inbox. */
@Module({
  // A merge writes reason.merged: the relay is kicked so the client cards' timelines follow at once.
  imports: [OutboxRelayModule],
  controllers: [ReasonPagesController, ReplyPagesController],
})
export class ReasonPagesModule {}
