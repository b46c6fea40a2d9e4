import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AppMetrics } from './app-metrics';
import { HttpObserver } from './http-observer';
import { JsonLogger } from './json-logger';
import { MetricsController } from './metrics.controller';

/**
 * Logs, metrics and correlation for one app: GET /metrics, AppMetrics (apps record their own
 * figures through it: messages, sweeps) and the HttpObserver the bootstrap puts in front of
 * Express. Global, so a feature module injects AppMetrics without importing anything.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(logger: JsonLogger): DynamicModule {
    return {
      module: ObservabilityModule,
      controllers: [MetricsController],
      providers: [
        AppMetrics,
        { provide: JsonLogger, useValue: logger },
        { provide: HttpObserver, useFactory: (metrics: AppMetrics) => new HttpObserver(metrics, logger), inject: [AppMetrics] },
      ],
      exports: [AppMetrics, HttpObserver, JsonLogger],
    };
  }
}
