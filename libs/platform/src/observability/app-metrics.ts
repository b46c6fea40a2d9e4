import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { type RedisClient, withTimeout } from '@comeback/connectivity';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QueueName } from '@comeback/contracts';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions } from '../infrastructure.module';
import { REDIS } from '../redis';
import { processRegistry } from './process-metrics';

/** The states whose depth is exported per queue. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/** How long a scrape waits for Redis before leaving queue depths out (Redis down must not hang /metrics). */
const QUEUE_DEPTH_TIMEOUT_MS = 1000;

/**
 * One app's Prometheus metrics, served at GET /metrics with the process's own (process-metrics.ts):
 *
 * - `http_request_duration_seconds{method,route,status_code}`: the route is the template
 *   (`/console/clients/:id`), never the raw URL, so ids cannot multiply the series;
 * - `comeback_queue_jobs{queue,state}`: every BullMQ queue's waiting, active, delayed and failed
 *   jobs, read from Redis when scraped (every app sees every queue: one scrape target is enough);
 * - `comeback_messages_total{channel,status}`: messages by channel and the status their send
 *   recorded (dispatcher);
 * - `comeback_lapse_sweep_duration_seconds{kind}`: planned to finished (lapse detector).
 *
 * A registry per app rather than prom-client's global one, so tests that build several apps in
 * one process do not collide.
 */
@Injectable()
export class AppMetrics implements OnApplicationShutdown {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');
  private readonly queues: Queue[];

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status code: how long until the response was sent.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly messages = new Counter({
    name: 'comeback_messages_total',
    help: 'Messages by channel and the status their send attempt recorded (sent, failed, ...).',
    labelNames: ['channel', 'status'] as const,
    registers: [this.registry],
  });

  readonly sweepDuration = new Histogram({
    name: 'comeback_lapse_sweep_duration_seconds',
    help: 'Lapse sweeps from planned to finished, by kind (full, incremental).',
    labelNames: ['kind'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600],
    registers: [this.registry],
  });

  constructor(
    @Inject(REDIS) redis: RedisClient,
    @Inject(INFRASTRUCTURE_OPTIONS) infrastructure: InfrastructureOptions,
  ) {
    this.registry.setDefaultLabels({ app: infrastructure.appName });
    // Queue objects on the app's own connection (shared: closing them leaves it open). Nothing is
    // read until a scrape.
    this.queues = Object.values(QueueName).map((name) => new Queue(name, { connection: redis, prefix: infrastructure.redisPrefix }));
    // Connection errors are the app's REDIS client's to report (readiness says Redis is down);
    // without a listener BullMQ would print each reconnect attempt to stderr.
    for (const q of this.queues) q.on('error', (err) => this.logger.debug(`queue ${q.name}: ${err.message}`));
    const queues = this.queues;
    const logger = this.logger;
    new Gauge({
      name: 'comeback_queue_jobs',
      help: 'BullMQ jobs per queue and state, read from Redis at scrape time.',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          const counts = await withTimeout(
            Promise.all(queues.map((q) => q.getJobCounts(...QUEUE_STATES))),
            QUEUE_DEPTH_TIMEOUT_MS,
            `Redis did not answer within ${QUEUE_DEPTH_TIMEOUT_MS} ms`,
          );
          counts.forEach((c, i) => {
            for (const state of QUEUE_STATES) this.set({ queue: queues[i].name, state }, c[state] ?? 0);
          });
        } catch (err) {
          // Left out rather than reported as zero: an empty queue and an unknown one are different.
          logger.warn(`queue depths left out of this scrape: ${(err as Error).message}`);
        }
      },
    });
  }

  /** A message's send recorded its status (dispatcher). */
  recordMessage(channel: string, status: string): void {
    this.messages.inc({ channel, status });
  }

  /** A lapse sweep finished, `seconds` after it was planned. */
  recordSweep(kind: string, seconds: number): void {
    this.sweepDuration.observe({ kind }, seconds);
  }

  /** The text a scrape gets: the process's metrics, then this app's. */
  async exposition(): Promise<string> {
    const [processText, appText] = await Promise.all([processRegistry().metrics(), this.registry.metrics()]);
    return `${processText}\n${appText}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close().catch(() => undefined)));
  }
}

