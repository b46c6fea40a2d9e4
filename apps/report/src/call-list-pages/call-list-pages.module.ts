import { Module } from '@nestjs/common';
import { ClientCardModule } from '../client-card/client-card.module';
import { CallListPagesController } from './call-list-pages.controller';

/** The console's call list and call cards (the data and its rules live in libs/call-list). */
@Module({
  imports: [ClientCardModule],
  controllers: [CallListPagesController],
})
export class CallListPagesModule {}
