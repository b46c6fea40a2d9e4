import { Module } from '@nestjs/common';
import { LostClientsController } from './lost-clients.controller';
import { LostClientsService } from './lost-clients.service';

/** The lost-clients list: filters, keyset paging, bulk actions and CSV export. */
@Module({
  controllers: [LostClientsController],
  providers: [LostClientsService],
  exports: [LostClientsService],
})
export class LostClientsModule {}
