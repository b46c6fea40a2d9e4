import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AppMetrics } from './app-metrics';

/**
 * GET /metrics in Prometheus's text format, on the app's own port. Not behind the API key: it
 * holds no client data, and Prometheus scrapes it from inside the cluster; the public Ingress
 * does not route it (k8s/), so it is not reachable from outside.
 */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: AppMetrics) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    const text = await this.metrics.exposition();
    res.type(this.metrics.contentType).send(text);
  }
}
