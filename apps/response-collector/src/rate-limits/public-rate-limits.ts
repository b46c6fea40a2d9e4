import type { IncomingMessage } from 'node:http';
import { type DynamicModule, Global, Inject, Injectable, Logger, type MiddlewareConsumer, Module, type NestMiddleware, type NestModule } from '@nestjs/common';
import { clientIp, INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, type RateLimitVerdict, REDIS, type RedisClient, RedisRateLimit, sendTooManyRequests } from '@comeback/platform';
import type { NextFunction, Request, Response } from 'express';

/** The window of RATE_LIMIT_PUBLIC_FAILURES_PER_IP. */
export const PUBLIC_FAILURE_WINDOW_SECONDS = 10 * 60;

/**
 * Answers that count as a failed public request: a webhook whose signature (or ids) do not check
 * out (403), a personal link that does not exist (404: a guess). Not an expired or revoked link
 * (410): it was a real one, and mail providers post one-click unsubscribes of old messages for
 * many people from a few addresses; an opt-out refused for their neighbours' old links would be
 * lost. Nor a refused form (400): a person's typo.
 */
const FAILED_STATUSES = new Set([403, 404]);

export interface PublicRateLimitOptions {
  failuresPerIp: number;
  trustProxy: number;
}

const PUBLIC_RATE_LIMIT_OPTIONS = Symbol('PUBLIC_RATE_LIMIT_OPTIONS');

/**
 * Rate limits of the public side (feedback and unsubscribe pages, providers' webhooks): failed
 * requests per client address, counted in Redis under the app's prefix (replicas share the
 * counts; while Redis is unavailable, each process counts in memory: see RedisRateLimit). An address over the limit gets 429 (Retry-After) on every public route until its window
 * ends, before any link lookup or signature check.
 *
 * Why failures only: the public side's real callers never fail. A client opens their own valid
 * link; Twilio and Viber sign every request. What fails is guessing (feedback tokens, forged
 * signatures), and that is what is limited, tightly. Counting every request per address instead
 * would refuse the many clients a mobile carrier puts behind one address, and providers' bursts
 * (a campaign's delivery reports come by the thousand from a few addresses, and a refused
 * callback is lost): `npm run bench -- webhooks` sends 3,500 signed texts a second from one
 * address and must all be taken. Sheer volume is the ingress's or load balancer's to cap.
 *
 * Cost on the hot path: none in Redis. The refusal of a known-bad address is decided in memory
 * (the limiter remembers an address that used up its failures, until its window ends; another
 * replica learns it at that address's next failure there, from the shared count); only a failed
 * request costs one Redis call, after its answer is sent.
 */
@Injectable()
export class PublicRateLimits {
  private readonly logger = new Logger('PublicRateLimits');
  private readonly failures: RedisRateLimit;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    @Inject(INFRASTRUCTURE_OPTIONS) infra: InfrastructureOptions,
    @Inject(PUBLIC_RATE_LIMIT_OPTIONS) private readonly options: PublicRateLimitOptions,
  ) {
    this.failures = new RedisRateLimit(redis, infra.redisPrefix, 'public-failures-ip', { points: options.failuresPerIp, durationSeconds: PUBLIC_FAILURE_WINDOW_SECONDS });
  }

  clientIp(req: IncomingMessage): string {
    return clientIp(req, this.options.trustProxy);
  }

  /** Refused when this address has used up its failures (decided in memory: see above). */
  refusal(ip: string): RateLimitVerdict {
    return this.failures.checkInMemory(ip);
  }

  /** Counts a failed request once its answer has gone; a Redis hiccup is logged, never fails the request. */
  countIfFailed(ip: string, status: number): void {
    if (!FAILED_STATUSES.has(status)) return;
    this.failures.consume(ip).catch((err: Error) => this.logger.warn(`could not count a failed request: ${err.message}`));
  }
}

/** The limit in front of every public route that Express answers (the lean path checks the same itself). */
@Injectable()
export class PublicRateLimitMiddleware implements NestMiddleware {
  constructor(private readonly limits: PublicRateLimits) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const ip = this.limits.clientIp(req);
    const refusal = this.limits.refusal(ip);
    if (!refusal.allowed) return sendTooManyRequests(res, refusal.retryAfterSeconds, 'too many failed requests from your address');
    res.once('finish', () => this.limits.countIfFailed(ip, res.statusCode));
    next();
  }
}

@Global()
@Module({})
export class PublicRateLimitModule implements NestModule {
  static forRoot(options: PublicRateLimitOptions): DynamicModule {
    return {
      module: PublicRateLimitModule,
      providers: [{ provide: PUBLIC_RATE_LIMIT_OPTIONS, useValue: options }, PublicRateLimits, PublicRateLimitMiddleware],
      exports: [PublicRateLimits],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(PublicRateLimitMiddleware).forRoutes('f/*path', 'u/*path', 'webhooks/*path');
  }
}
