import {
  BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, UseGuards,
} from '@nestjs/common';
import { ApiKeyGuard } from '@comeback/platform';
import { REQUEST_SWEEP_BODY } from './dto/request-sweep.dto';
import { SweepError } from './sweep.errors';
import { SweepPlannerService, type SweepSummary } from './sweep-planner.service';

/**
 * On-demand sweeps: staff (or their systems, with an API key) run the detector now instead of
 * waiting for the night, then follow its progress.
 */
@Controller('api/v1/organizations/:organizationId/lapse-sweeps')
@UseGuards(ApiKeyGuard)
export class SweepsController {
  constructor(private readonly planner: SweepPlannerService) {}

  @Post()
  @HttpCode(202)
  async request(@Param('organizationId', ParseUUIDPipe) organizationId: string, @Body() body: unknown): Promise<{ sweepId: string; status: string }> {
    const parsed = REQUEST_SWEEP_BODY.safeParse(body ?? {});
    if (!parsed.success) {
      throw new BadRequestException({
        error: 'INVALID_BODY',
        problems: parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message })),
      });
    }
    const sweepId = await this.mapErrors(() => this.planner.request(organizationId, 'on_demand', { full: parsed.data.full }));
    return { sweepId: sweepId!, status: 'planned' };
  }

  @Get(':sweepId')
  async get(@Param('organizationId', ParseUUIDPipe) organizationId: string, @Param('sweepId') sweepId: string): Promise<SweepSummary> {
    if (!/^\d{1,18}$/.test(sweepId)) throw new NotFoundException({ error: 'SWEEP_NOT_FOUND', message: 'no such sweep' });
    return this.mapErrors(() => this.planner.get(organizationId, sweepId));
  }

  /** Feature errors to HTTP statuses, in one place. */
  private async mapErrors<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof SweepError && (err.code === 'ORGANIZATION_NOT_FOUND' || err.code === 'SWEEP_NOT_FOUND')) {
        throw new NotFoundException({ error: err.code, message: err.message });
      }
      throw err;
    }
  }
}
