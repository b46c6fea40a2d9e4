import { All, Controller, Next, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ConsoleGuard, RequirePermission } from '../console/auth/console.guard';
import { ConsoleExceptionFilter } from '../console/console-exception.filter';
import { QueueDashboard } from './queue-dashboard.service';

/**
 * `/console/queues`: the queue dashboard behind the console's sign-in. Every path under it (the
 * page, its scripts, its JSON API) passes the console guard first: no session → the sign-in page,
 * a role without `viewQueues` (admins only) or an admin of an organization that does not run the
 * deployment (QUEUE_DASHBOARD_ORGANIZATIONS; see queue-dashboard.service.ts) → the console's 403
 * page, a post → refused without the console's CSRF token.
 */
@Controller('console/queues')
@UseGuards(ConsoleGuard)
@UseFilters(ConsoleExceptionFilter)
export class QueueDashboardController {
  constructor(private readonly dashboard: QueueDashboard) {}

  @All(['', '*path'])
  @RequirePermission('viewQueues')
  serve(@Req() req: Request, @Res() res: Response, @Next() next: NextFunction): void {
    this.dashboard.handle(req, res, next);
  }
}
