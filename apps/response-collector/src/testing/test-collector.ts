import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import type { DestinationStream } from 'pino';
import { loadConfig } from '@comeback/config';
import { QueueName } from '@comeback/contracts';
import { createNestApp, logBullmqErrors } from '@comeback/platform';
import { TEST_REDIS_URL, waitFor } from '@comeback/testing';
import { RESPONSE_COLLECTOR_ENV, RESPONSE_COLLECTOR_WORKER_ENV } from '../config';
import { responseCollectorAppOptions, responseCollectorWorkerOptions } from '../response-collector-app';

/** The response collector as a test runs it: the web process and the inbound worker, as main.ts and worker.ts build them. */
export interface TestCollector {
  /** The web process (pages and webhooks), initialised, not listening. */
  app: NestExpressApplication;
  /** The inbound worker; null when started with `worker: false`. */
  worker: INestApplication | null;
  /** Resolves once the inbound queue holds nothing waiting, delayed or running (everything accepted so far is written or failed). */
  settled(timeoutMs?: number): Promise<void>;
  /** Stops both and removes the test's inbound queue from Redis. */
  close(): Promise<void>;
}

/**
 * Builds both processes of the response collector from one environment (DATABASE_URL,
 * REDIS_PREFIX... as the test gives them; REDIS_URL defaults to the test Redis). `worker: false`
 * leaves the inbound worker out (a test of what the web process alone accepts); `logDestination`
 * receives both processes' JSON log lines (LOG_LEVEL says which).
 */
export async function startTestCollector(env: Record<string, string>, o: { worker?: boolean; logDestination?: DestinationStream } = {}): Promise<TestCollector> {
  const vars = { REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'error', ...env };
  const webConfig = loadConfig('response-collector', RESPONSE_COLLECTOR_ENV, vars);
  const app = (await createNestApp({ ...responseCollectorAppOptions(webConfig), config: webConfig, logDestination: o.logDestination })) as NestExpressApplication;
  await app.init();
  let worker: INestApplication | null = null;
  if (o.worker ?? true) {
    const workerConfig = loadConfig('response-collector-worker', RESPONSE_COLLECTOR_WORKER_ENV, vars);
    worker = await createNestApp({ ...responseCollectorWorkerOptions(workerConfig), config: workerConfig, logDestination: o.logDestination });
    await worker.init();
  }
  const redis = new Redis(vars.REDIS_URL, { maxRetriesPerRequest: null });
  // The test's own connection stays quiet while a test has stopped Redis (the apps report that).
  redis.on('error', () => undefined);
  const inbound = logBullmqErrors(new Queue(QueueName.Inbound, { connection: redis, prefix: webConfig.REDIS_PREFIX }));
  return {
    app,
    worker,
    settled: async (timeoutMs = 20_000) => {
      await waitFor(
        'the inbound queue to settle',
        async () => {
          const c = await inbound.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
          return Object.values(c).every((n) => n === 0);
        },
        timeoutMs,
      );
    },
    close: async () => {
      await app.close();
      await worker?.close();
      await inbound.obliterate({ force: true });
      await inbound.close();
      await redis.quit();
    },
  };
}
