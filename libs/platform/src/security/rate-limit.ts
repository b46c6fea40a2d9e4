import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** At most `points` counted events per `durationSeconds`, per key. */
export interface RateLimitRule {
  points: number;
  durationSeconds: number;
}

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const ALLOWED: RateLimitVerdict = { allowed: true };
const refused = (ms: number): RateLimitVerdict => ({ allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) });

/**
 * One named limit over Redis (rate-limiter-flexible's RateLimiterRedis: one Lua call per counted
 * event), under the app's REDIS_PREFIX, so every replica of an app shares the counts. A key that
 * reaches its limit is also remembered in this process until its window ends, so a client that
 * keeps knocking is refused here without a Redis call; another replica learns it at its own next
 * counted event from that client (Redis has the count).
 *
 * Used as a counter of failures (failed sign-ins, unknown links, forged signatures): `consume`
 * when something fails, `check` before the work. Keys that hold personal data (e-mail addresses)
 * are hashed (`hashedKey`) so Redis never holds them.
 */
export class RedisRateLimit {
  private readonly limiter: RateLimiterRedis;

  constructor(
    redis: Redis,
    redisPrefix: string,
    readonly name: string,
    readonly rule: RateLimitRule,
  ) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${redisPrefix}:rate-limit:${name}`,
      points: rule.points,
      duration: rule.durationSeconds,
      // Remember in memory, until the window ends, a key that has used all its points.
      inMemoryBlockOnConsumed: rule.points,
    });
  }

  /** Refused when the key has used all its points in this window (in memory first, then Redis: one round trip). */
  async check(key: string): Promise<RateLimitVerdict> {
    const local = this.checkInMemory(key);
    if (!local.allowed) return local;
    const res = await this.limiter.get(key);
    return res && res.consumedPoints >= this.rule.points ? refused(res.msBeforeNext) : ALLOWED;
  }

  /** Refused when this process already knows the key is over its limit; no Redis call (for hot paths). */
  checkInMemory(key: string): RateLimitVerdict {
    // Public in rate-limiter-flexible's store limiters, missing from its type declarations.
    const limiter = this.limiter as unknown as { getInMemoryBlockMsBeforeExpire(rlKey: string): number };
    const ms = limiter.getInMemoryBlockMsBeforeExpire(this.limiter.getKey(key));
    return ms > 0 ? refused(ms) : ALLOWED;
  }

  /** Counts one event; refused when that went over the limit. */
  async consume(key: string): Promise<RateLimitVerdict> {
    try {
      await this.limiter.consume(key);
      return ALLOWED;
    } catch (err) {
      if (err instanceof RateLimiterRes) return refused(err.msBeforeNext);
      throw err;
    }
  }

  /** Forgets the key's count (a successful sign-in). */
  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

/** A key for a value that must not be stored as it is (an e-mail address). */
export function hashedKey(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

/**
 * The client's address: the socket's peer, or, behind `trustedProxies` reverse proxies (an
 * Ingress, a load balancer), the address the outermost of them saw, from X-Forwarded-For counted
 * from the right (what Express's `trust proxy` with a hop count does). Entries further left are
 * written by the client and never trusted.
 */
export function clientIp(req: IncomingMessage, trustedProxies: number): string {
  const peer = req.socket?.remoteAddress ?? 'unknown';
  if (trustedProxies <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  return chain[Math.max(0, chain.length - 1 - trustedProxies)];
}

/**
 * The answer over a limit: 429, Retry-After in seconds, and a message that says what to do.
 * Plain text for anyone (pages may render their own); nothing else has happened for the request.
 */
export function sendTooManyRequests(res: ServerResponse, retryAfterSeconds: number, what: string): void {
  const body = Buffer.from(`429 Too Many Requests: ${what}. Try again in ${retryAfterSeconds} s.\n`, 'utf8');
  res.statusCode = 429;
  res.setHeader('Retry-After', String(retryAfterSeconds));
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}
