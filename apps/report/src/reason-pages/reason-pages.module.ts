import { Module } from '@nestjs/common';
import { ReasonPagesController } from './reason-pages.controller';
import { ReplyPagesController } from './reply-pages.controller';

/** The console's reason list (reasons, candidates, merging) and the replies inbox. */
@Module({
  controllers: [ReasonPagesController, ReplyPagesController],
})
export class ReasonPagesModule {}
