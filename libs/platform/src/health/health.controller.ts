import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { pingRedis, type RedisClient, withTimeout } from '@comeback/connectivity';
import { DataSource } from 'typeorm';
import { REDIS } from '../redis';

type CheckResult = { status: 'up' | 'down'; latencyMs: number; error?: string };

async function timed(check: () => Promise<unknown>, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  try {
    await withTimeout(check(), timeoutMs, `no answer within ${timeoutMs} ms`);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: (err as Error).message };
  }
}

/**
 * `/health/live`: the process runs (Kubernetes liveness; never touches the stores, so a database
 * outage does not get every pod restarted). `/health` and `/health/ready`: PostgreSQL and Redis
 * really answer (readiness; a Redis Cluster must also report cluster_state:ok); 503 when either does not.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: RedisClient,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok', uptimeSeconds: Math.round(process.uptime()) };
  }

  @Get()
  async health() {
    return this.ready();
  }

  @Get('ready')
  async ready() {
    const [postgres, redis] = await Promise.all([
      timed(() => this.dataSource.query('SELECT 1'), 2000),
      timed(() => pingRedis(this.redis), 2000),
    ]);
    const body = { status: postgres.status === 'up' && redis.status === 'up' ? 'ok' : 'error', checks: { postgres, redis } };
    if (body.status !== 'ok') throw new ServiceUnavailableException(body);
    return body;
  }
}
