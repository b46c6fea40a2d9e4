import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RedisClient } from '@comeback/connectivity';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts } from 'rate-limiter-flexible';

/** At most `points` counted events per `durationSeconds`, per key. */
export interface RateLimitRule {
  points: number;
  durationSeconds: number;
}

export type RateLimitVerdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

const ALLOWED: RateLimitVerdict = { allowed: true };
const refused = (ms: number): RateLimitVerdict => ({ allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) });

/**
 * How long a limit waits for Redis before counting in this process instead. A connection known to
 * be lost is not waited for at all; this is for one that looks up but does not answer (a
 * partition, a failover, a client still making its first connection), whose commands ioredis
 * would hold until it is back.
 */
export const RATE_LIMIT_REDIS_TIMEOUT_MS = 2000;

/**
 * One named limit over Redis (rate-limiter-flexible's RateLimiterRedis: one Lua call per counted
 * event), under the app's REDIS_PREFIX, so every replica of an app shares the counts (on a Redis
 * Cluster too: one key per call, in the prefix's hash-tag slot). A key that
 * reaches its limit is also remembered in this process until its window ends, so a client that
 * keeps knocking is refused here without a Redis call; another replica learns it at its own next
 * counted event from that client (Redis has the count).
 *
 * When Redis is unavailable (the connection was lost, an error, or no answer within
 * RATE_LIMIT_REDIS_TIMEOUT_MS) the limit is counted in this process's memory instead (a
 * RateLimiterMemory with the same points and window: rate-limiter-flexible's insurance limiter),
 * so it still holds, per replica, rather than failing the request (a 500 at sign-in) or letting
 * everything through (an unlimited password-guessing door). Counts made in memory stay there:
 * once Redis is back, it counts again from what it had.
 *
 * Used as a counter of failures (failed sign-ins, unknown links, forged signatures): `consume`
 * when something fails, `check` before the work. Keys that hold personal data (e-mail addresses)
 * are hashed (`hashedKey`) so Redis never holds them.
 */
export class RedisRateLimit {
  private readonly limiter: RLWrapperTimeouts;
  /** The count in this process while Redis is unavailable. */
  private readonly fallback: RateLimiterMemory;
  /** Keys that used all their points, until their window ends (from Redis's counts or the fallback's). */
  private readonly usedUp = new Map<string, number>();
  private sweepAt = USED_UP_SWEEP_SIZE;
  /**
   * Whether the client has connected or failed to: from then on, a client that is not ready is
   * down. Until then (an app starting) commands wait for its first connection, up to the timeout.
   */
  private settled: boolean;

  constructor(
    private readonly redis: RedisClient,
    redisPrefix: string,
    readonly name: string,
    readonly rule: RateLimitRule,
  ) {
    const keyPrefix = `${redisPrefix}:rate-limit:${name}`;
    this.fallback = new RateLimiterMemory({ keyPrefix, points: rule.points, duration: rule.durationSeconds });
    const store = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix,
      points: rule.points,
      duration: rule.durationSeconds,
      // Remember in memory, until the window ends, a key that has used all its points.
      inMemoryBlockOnConsumed: rule.points,
      // An error from Redis: counted in memory instead.
      insuranceLimiter: this.fallback,
    });
    // The same for an answer that does not come in time (it takes the store's insurance limiter).
    this.limiter = new RLWrapperTimeouts({ limiter: store, timeoutMs: RATE_LIMIT_REDIS_TIMEOUT_MS });
    this.settled = redis.status === 'ready';
    if (!this.settled) {
      const settle = () => (this.settled = true);
      redis.once('ready', settle);
      redis.once('reconnecting', settle);
    }
  }

  /** Where to count now: in memory while the connection is lost (not a command queued until it is back), else Redis. */
  private get counter(): RateLimiterAbstract {
    return this.settled && this.redis.status !== 'ready' ? this.fallback : this.limiter;
  }

  /** Refused when the key has used all its points in this window (in memory first, then Redis: one round trip). */
  async check(key: string): Promise<RateLimitVerdict> {
    const local = this.checkInMemory(key);
    if (!local.allowed) return local;
    const res = (await this.counter.get(key)) as RateLimiterRes | null;
    return res && res.consumedPoints >= this.rule.points ? refused(res.msBeforeNext) : ALLOWED;
  }

  /** Refused when this process already knows the key is over its limit; no Redis call (for hot paths). */
  checkInMemory(key: string): RateLimitVerdict {
    const until = this.usedUp.get(key);
    if (until === undefined) return ALLOWED;
    const ms = until - Date.now();
    if (ms > 0) return refused(ms);
    this.usedUp.delete(key);
    return ALLOWED;
  }

  /** Counts one event; refused when that went over the limit. */
  async consume(key: string): Promise<RateLimitVerdict> {
    try {
      const res = (await this.counter.consume(key)) as RateLimiterRes;
      if (res.consumedPoints >= this.rule.points) this.remember(key, res.msBeforeNext);
      return ALLOWED;
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      this.remember(key, err.msBeforeNext);
      return refused(err.msBeforeNext);
    }
  }

  /**
   * Forgets the key's count (a successful sign-in). With Redis down, only this process's count:
   * the one in Redis stays until its window ends.
   */
  async reset(key: string): Promise<void> {
    this.usedUp.delete(key);
    await this.counter.delete(key);
  }

  private remember(key: string, ms: number): void {
    const now = Date.now();
    // Keys whose window has ended are swept out now and then (each time the map has doubled), so
    // it holds about the keys over their limit without a sweep per key.
    if (this.usedUp.size >= this.sweepAt) {
      for (const [k, until] of this.usedUp) if (until <= now) this.usedUp.delete(k);
      this.sweepAt = Math.max(USED_UP_SWEEP_SIZE, 2 * this.usedUp.size);
    }
    this.usedUp.set(key, now + ms);
  }
}

/** Size of the map of used-up keys at which expired ones are first swept out. */
const USED_UP_SWEEP_SIZE = 10_000;

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
