import { Module } from '@nestjs/common';
import { ClientCardController } from './client-card.controller';
import { ClientCardService } from './client-card.service';

/** The client card: contact, consent, visits, payments, churn episodes, timeline; recording the reason for leaving. */
@Module({
  controllers: [ClientCardController],
  providers: [ClientCardService],
  exports: [ClientCardService],
})
export class ClientCardModule {}
