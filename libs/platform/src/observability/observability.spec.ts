import { BadRequestException, Controller, Get, Inject, Injectable, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown, Param, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Job, Queue, Worker } from 'bullmq';
import type Redis from 'ioredis';
import request from 'supertest';
import { QueueName } from '@comeback/contracts';
import { createTestDatabase, TEST_REDIS_URL, testRedisPrefix, waitFor, type TestDatabase, metricSample } from '@comeback/testing';
import { createNestApp } from '../bootstrap';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions } from '../infrastructure.module';
import { REDIS } from '../redis';
import { runWithCorrelation, withCorrelationId } from './correlation';

const PROBE_QUEUE = 'observability-probe';

/** What a probe job may ask its worker to do. */
interface ProbeJobData {
  fail?: boolean;
  /** Queue two jobs of its own (one by add, one by addBulk), named `<name>.child` and `<name>.bulk-child`. */
  spawn?: boolean;
  correlationId?: string;
}

/** A worker as the apps create theirs (new Worker on the app's connection and prefix): fails jobs that ask to, queues jobs when asked to. */
@Injectable()
class ProbeWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ProbeWorker');
  private worker?: Worker;
  private queue?: Queue;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(INFRASTRUCTURE_OPTIONS) private readonly infrastructure: InfrastructureOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.queue = new Queue(PROBE_QUEUE, { connection: this.redis, prefix: this.infrastructure.redisPrefix });
    this.worker = new Worker(
      PROBE_QUEUE,
      async (job: Job<ProbeJobData>) => {
        await new Promise((r) => setTimeout(r, 5));
        this.logger.log(`working on ${job.name}`);
        if (job.data.fail) throw new Error('asked to fail');
        if (job.data.spawn) {
          await this.enqueue(`${job.name}.child`, {});
          await this.queue!.addBulk([{ name: `${job.name}.bulk-child`, data: {}, opts: { jobId: `${job.name}.bulk-child` } }]);
        }
      },
      { connection: this.redis, prefix: this.infrastructure.redisPrefix },
    );
  }

  /** Queues a job under the id `<name>` (a deterministic id, as the apps' jobs have). */
  enqueue(name: string, data: ProbeJobData): Promise<Job<ProbeJobData>> {
    return this.queue!.add(name, data, { jobId: name });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
  }
}

/** A route with an id in its path that logs from deep inside (after an await), one that refuses its input, and one that queues a job. */
@Controller('probe')
class ProbeController {
  private readonly logger = new Logger('Probe');

  constructor(private readonly probes: ProbeWorker) {}

  @Post('jobs/:name')
  async enqueue(@Param('name') name: string) {
    await new Promise((r) => setTimeout(r, 5));
    const job = await this.probes.enqueue(name, { spawn: true });
    return { jobId: job.id };
  }

  @Get('things/:id')
  async thing(@Param('id') id: string) {
    await new Promise((r) => setTimeout(r, 5));
    this.logger.log(`looked at thing ${id}`);
    return { id };
  }

  @Get('refused')
  refused() {
    throw new BadRequestException('no');
  }

  @Get('secrets')
  secrets() {
    this.logger.warn({ password: 'hunter2-secret', phone: '+995555123456', note: 'kept' });
    this.logger.warn('provider refused +995555123456 for now');
    return {};
  }
}

@Module({ controllers: [ProbeController], providers: [ProbeWorker] })
class ProbeModule {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Log lines as written, parsed. */
const lines: Record<string, unknown>[] = [];
const destination = { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) };

/** One sample's value from the Prometheus text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('observability: JSON logs with correlation ids from requests into jobs, /metrics', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let prefix: string;
  const queues: Queue[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    prefix = testRedisPrefix();
    app = await createNestApp({
      app: 'probe-app',
      config: { DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'debug' },
      imports: [ProbeModule],
      logDestination: destination,
    });
    await app.init();
  });

  afterAll(async () => {
    for (const q of queues) {
      await q.obliterate({ force: true });
      await q.close();
    }
    await app?.close();
    await db?.drop();
  });

  const scrape = async () => {
    const res = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return res.text;
  };

  /**
   * A scrape that has the queue depths: a scrape leaves them out when Redis does not answer within
   * its time limit (a second), which a busy machine can exceed; the next scrape reads them again.
   */
  const scrapeWithDepths = () => waitFor('a scrape with queue depths', async () => {
    const text = await scrape();
    return text.includes('comeback_queue_jobs{') ? text : undefined;
  });

  /**
   * The access line and the histogram are written when the response closes, on the server's side:
   * waited for, not assumed to be there by the time the client has read the response.
   */
  const accessLine = (description: string, match: (l: Record<string, unknown>) => boolean) =>
    waitFor(`the access line of ${description}`, async () => lines.find((l) => l.context === 'http' && match(l)));

  it('keeps a well-formed X-Request-Id, echoes it, and every log line of the request carries it', async () => {
    const res = await request(app.getHttpServer()).get('/probe/things/4711').set('X-Request-Id', 'caller-req-0001').expect(200);
    expect(res.headers['x-request-id']).toBe('caller-req-0001');
    const line = lines.find((l) => l.message === 'looked at thing 4711');
    expect(line).toMatchObject({ level: 'info', app: 'probe-app', context: 'Probe', correlationId: 'caller-req-0001' });
    expect(new Date(line!.time as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const access = await accessLine('the request', (l) => l.correlationId === 'caller-req-0001');
    expect(access).toMatchObject({ level: 'debug', method: 'GET', route: '/probe/things/:id', status: 200 });
  });

  it('replaces a malformed or oversized X-Request-Id with a new one', async () => {
    for (const bad of ['has space " and quote', 'x'.repeat(200), 'short']) {
      const res = await request(app.getHttpServer()).get('/probe/things/1').set('X-Request-Id', bad).expect(200);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const res = await request(app.getHttpServer()).get('/probe/things/2').expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.some((l) => String(l.correlationId ?? '').includes('quote'))).toBe(false);
  });

  it('logs a refused request at info, and redacts secrets and phone numbers', async () => {
    await request(app.getHttpServer()).get('/probe/refused').expect(400);
    expect(await accessLine('the refused request', (l) => l.route === '/probe/refused')).toMatchObject({ level: 'info', status: 400 });
    await request(app.getHttpServer()).get('/probe/secrets').set('Authorization', 'Bearer cbk_secret').expect(200);
    const text = JSON.stringify(lines);
    expect(text).not.toContain('hunter2-secret');
    expect(text).not.toContain('995555123456');
    expect(text).not.toContain('cbk_secret');
    expect(lines.find((l) => (l.data as { note?: string } | undefined)?.note === 'kept')).toMatchObject({ data: { password: '[redacted]', phone: '[redacted]' } });
  });

  it('counts requests by route template, never by raw URL', async () => {
    const before = sample(await scrape(), 'http_request_duration_seconds_count', { method: 'GET', route: '/probe/things/:id', status_code: '200' }) ?? 0;
    await request(app.getHttpServer()).get('/probe/things/9001').set('X-Request-Id', 'count-req-9001').expect(200);
    await request(app.getHttpServer()).get('/probe/things/9002').set('X-Request-Id', 'count-req-9002').expect(200);
    await request(app.getHttpServer()).get('/no/such/route/42').set('X-Request-Id', 'count-req-0404').expect(404);
    // Each observation is made with its access line.
    for (const id of ['count-req-9001', 'count-req-9002', 'count-req-0404']) await accessLine(id, (l) => l.correlationId === id);
    const text = await scrape();
    expect(sample(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/probe/things/:id', status_code: '200' })).toBe(before + 2);
    expect(sample(text, 'http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('9001');
    expect(text).not.toContain('/no/such');
    expect(text).toContain('app="probe-app"');
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('reads queue depths from Redis at scrape time', async () => {
    const campaigns = new Queue(QueueName.Campaigns, { connection: { url: TEST_REDIS_URL }, prefix });
    queues.push(campaigns);
    expect(sample(await scrapeWithDepths(), 'comeback_queue_jobs', { queue: 'campaigns', state: 'waiting' })).toBe(0);
    await campaigns.add('probe', {});
    await campaigns.add('probe', {});
    await campaigns.add('probe', {}, { delay: 60_000 });
    const text = await scrapeWithDepths();
    expect(sample(text, 'comeback_queue_jobs', { queue: 'campaigns', state: 'waiting' })).toBe(2);
    expect(sample(text, 'comeback_queue_jobs', { queue: 'campaigns', state: 'delayed' })).toBe(1);
    expect(sample(text, 'comeback_queue_jobs', { queue: 'send-sms', state: 'failed' })).toBe(0);
  });

  it('runs each job with its queue, id and the correlation id its payload carries, and counts it by outcome', async () => {
    const probe = new Queue(PROBE_QUEUE, { connection: { url: TEST_REDIS_URL }, prefix });
    queues.push(probe);
    const ok = await probe.add('good-job', { correlationId: 'caller-req-0002' });
    const bad = await probe.add('bad-job', { fail: true });
    await waitFor('both probe jobs to finish', async () => (await probe.getJobCounts('completed', 'failed')).failed === 1 && (await probe.getJobCounts('completed')).completed === 1);
    const text = await scrape();
    expect(sample(text, 'comeback_jobs_processed_total', { queue: PROBE_QUEUE, outcome: 'completed' })).toBe(1);
    expect(sample(text, 'comeback_jobs_processed_total', { queue: PROBE_QUEUE, outcome: 'failed' })).toBe(1);
    expect(lines.find((l) => l.message === 'working on good-job')).toMatchObject({ queue: PROBE_QUEUE, jobId: ok.id, correlationId: 'caller-req-0002', context: 'ProbeWorker' });
    // Queued without one (as a job scheduler queues): a new id of its own, its job id beside it.
    const badLine = lines.find((l) => l.message === 'working on bad-job');
    expect(badLine).toMatchObject({ queue: PROBE_QUEUE, jobId: bad.id, correlationId: expect.stringMatching(UUID) });
  });

  /** The probe queue's payload of a job, and the log line its worker wrote for it. */
  const probeJob = async (id: string) => {
    const probe = new Queue(PROBE_QUEUE, { connection: { url: TEST_REDIS_URL }, prefix });
    queues.push(probe);
    await waitFor(`probe job ${id} to finish`, async () => (await probe.getJob(id))?.finishedOn !== undefined);
    const job = (await probe.getJob(id))!;
    return { data: job.data as ProbeJobData, line: lines.find((l) => l.message === `working on ${id}`) };
  };

  it("puts the request's id into the payload of the job it queues, and the job's log lines carry it", async () => {
    const res = await request(app.getHttpServer()).post('/probe/jobs/from-request').set('X-Request-Id', 'abc-request-0003').expect(201);
    expect(res.body).toEqual({ jobId: 'from-request' });
    const parent = await probeJob('from-request');
    expect(parent.data).toEqual({ spawn: true, correlationId: 'abc-request-0003' });
    expect(parent.line).toMatchObject({ queue: PROBE_QUEUE, jobId: 'from-request', correlationId: 'abc-request-0003', context: 'ProbeWorker' });
    // And on to the jobs that job queued (add and addBulk), their ids as given.
    for (const id of ['from-request.child', 'from-request.bulk-child']) {
      const child = await probeJob(id);
      expect(child.data).toEqual({ correlationId: 'abc-request-0003' });
      expect(child.line).toMatchObject({ queue: PROBE_QUEUE, jobId: id, correlationId: 'abc-request-0003' });
    }
  });

  it("gives a job queued inside a running job the running job's correlation id, new or carried", async () => {
    const probe = new Queue(PROBE_QUEUE, { connection: { url: TEST_REDIS_URL }, prefix });
    queues.push(probe);
    // Outside any request or job nothing is added; a payload naming its own id keeps it.
    await probe.add('unprompted', { spawn: true }, { jobId: 'unprompted' });
    await probe.add('named', { spawn: true, correlationId: 'named-corr-0004' }, { jobId: 'named' });
    const unprompted = await probeJob('unprompted');
    expect(unprompted.data).toEqual({ spawn: true });
    const root = unprompted.line?.correlationId as string;
    expect(root).toMatch(UUID);
    for (const id of ['unprompted.child', 'unprompted.bulk-child']) {
      const child = await probeJob(id);
      expect(child.data).toEqual({ correlationId: root });
      expect(child.line).toMatchObject({ jobId: id, correlationId: root });
    }
    expect((await probeJob('named')).line).toMatchObject({ jobId: 'named', correlationId: 'named-corr-0004' });
    expect((await probeJob('named.child')).data).toEqual({ correlationId: 'named-corr-0004' });
  });

  it('leaves a payload that names its correlation id, or is not a plain object, as it is', () => {
    expect(runWithCorrelation({ correlationId: 'outer-corr-0005' }, () => withCorrelationId({ a: 1, correlationId: undefined }))).toEqual({ a: 1, correlationId: undefined });
    expect(runWithCorrelation({ correlationId: 'outer-corr-0005' }, () => withCorrelationId({ a: 1 }))).toEqual({ a: 1, correlationId: 'outer-corr-0005' });
    expect(runWithCorrelation({ correlationId: 'outer-corr-0005' }, () => withCorrelationId([1]))).toEqual([1]);
    expect(runWithCorrelation({ queue: 'q', jobId: '1' }, () => withCorrelationId({ a: 1 }))).toEqual({ a: 1 });
    expect(withCorrelationId({ a: 1 })).toEqual({ a: 1 });
  });
});
