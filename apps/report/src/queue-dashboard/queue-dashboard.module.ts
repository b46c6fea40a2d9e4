import { Module } from '@nestjs/common';
import { QueueDashboardController } from './queue-dashboard.controller';
import { QueueDashboard } from './queue-dashboard.service';

/** The admins' queue dashboard (Bull Board) at /console/queues. The console's guard and pages come from ConsoleModule (global). */
@Module({ controllers: [QueueDashboardController], providers: [QueueDashboard] })
export class QueueDashboardModule {}
