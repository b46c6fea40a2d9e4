import { Inject, Injectable, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import type { Pool } from 'pg';
import { INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, PG_POOL, REDIS, type RedisClient } from '@comeback/platform';
import type { EventConsumer } from '@comeback/contracts';
import { BullMqEventTransport } from './bullmq-event.transport';
import { OutboxRelay } from './outbox-relay';

/**
 * Runs the outbox relay in an app that writes events. Several replicas may run it: they share the
 * outbox rows through row locks. Started when the app has started; stopped (after publishing what
 * is left) in the application shutdown hooks, so whatever writes events must finish before those:
 * a BullMQ worker closes in `beforeApplicationShutdown`, and Nest closes the HTTP server between
 * the two.
 */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly relay: OutboxRelay;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(REDIS) redis: RedisClient,
    @Inject(INFRASTRUCTURE_OPTIONS) infrastructure: InfrastructureOptions,
  ) {
    this.relay = new OutboxRelay({ pool, connection: redis, prefix: infrastructure.redisPrefix });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  /** Call after writing events, so they leave now rather than at the next poll. */
  kick(): void {
    this.relay.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

/**
 * The outbox relay, for every app process that writes events (the lapse detector, the response
 * collector's inbound worker, the report app): each publishes its own events, so none waits for
 * another app to be running. Inject OutboxRelayService to `kick()` it after writing events.
 */
@Module({ providers: [OutboxRelayService], exports: [OutboxRelayService] })
export class OutboxRelayModule {}

/**
 * Connects the durable event transport for one consumer to a Nest app; its `@EventPattern`
 * handlers then receive the consumer's events. Call before `app.startAllMicroservices()`.
 */
export function connectEventConsumer(app: INestApplication, consumer: EventConsumer): void {
  const infrastructure = app.get<InfrastructureOptions>(INFRASTRUCTURE_OPTIONS);
  app.connectMicroservice({ strategy: new BullMqEventTransport({ consumer, connection: app.get<RedisClient>(REDIS), prefix: infrastructure.redisPrefix }) }, { inheritAppConfig: true });
}
