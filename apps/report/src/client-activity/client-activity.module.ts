import { Module } from '@nestjs/common';
import { ClientActivityConsumer } from './client-activity.consumer';
import { ClientActivityService } from './client-activity.service';

/** The client card's timeline, fed by churn and reason events (consumer `client-activity`). */
@Module({ controllers: [ClientActivityConsumer], providers: [ClientActivityService] })
export class ClientActivityModule {}
