import { Inject, Injectable } from '@nestjs/common';
import { hashedKey, INFRASTRUCTURE_OPTIONS, type InfrastructureOptions, type RateLimitVerdict, REDIS, type RedisClient, RedisRateLimit } from '@comeback/platform';
import { normaliseEmail } from '@comeback/accounts';
import { CONSOLE_OPTIONS, type ConsoleOptions } from '../console.options';

/** The window of the sign-in limits (README "Security"). */
export const LOGIN_WINDOW_SECONDS = 15 * 60;

/**
 * Failed sign-ins counted per client address and per e-mail address (hashed; known or not, so a
 * refusal says nothing about which addresses have accounts), in Redis under the app's prefix so
 * every replica shares them. Over either limit the sign-in form answers 429 with Retry-After
 * before any password is checked. These slow guessing across accounts (per address) and
 * distributed guessing of one account (per e-mail); the account lockout (libs/accounts) stays
 * the last line for a known account.
 *
 * With Redis down, sign-in still works (sessions are in PostgreSQL) and the limits still hold,
 * counted in each replica's memory until Redis is back (RedisRateLimit): neither a 500 nor a
 * door open to unlimited guessing. The lockout, in PostgreSQL, is unaffected.
 */
@Injectable()
export class LoginRateLimits {
  private readonly perIp: RedisRateLimit;
  private readonly perEmail: RedisRateLimit;

  constructor(@Inject(REDIS) redis: RedisClient, @Inject(INFRASTRUCTURE_OPTIONS) infra: InfrastructureOptions, @Inject(CONSOLE_OPTIONS) options: ConsoleOptions) {
    const limits = options.loginLimits ?? { perIp: 30, perEmail: 10 };
    this.perIp = new RedisRateLimit(redis, infra.redisPrefix, 'login-ip', { points: limits.perIp, durationSeconds: LOGIN_WINDOW_SECONDS });
    this.perEmail = new RedisRateLimit(redis, infra.redisPrefix, 'login-email', { points: limits.perEmail, durationSeconds: LOGIN_WINDOW_SECONDS });
  }

  /** Refused when the address or the e-mail has used up its failures (both read at once: one round trip). */
  async check(ip: string, email: string): Promise<RateLimitVerdict> {
    const verdicts = await Promise.all([this.perIp.check(ip), this.perEmail.check(emailKey(email))]);
    return longest(verdicts);
  }

  async failed(ip: string, email: string): Promise<void> {
    await Promise.all([this.perIp.consume(ip), this.perEmail.consume(emailKey(email))]);
  }

  /** A successful sign-in clears its e-mail's count (the address keeps its own: it may be guessing others). */
  async succeeded(email: string): Promise<void> {
    await this.perEmail.reset(emailKey(email));
  }
}

const emailKey = (email: string) => hashedKey(normaliseEmail(email));

function longest(verdicts: RateLimitVerdict[]): RateLimitVerdict {
  const waits = verdicts.flatMap((v) => (v.allowed ? [] : [v.retryAfterSeconds]));
  return waits.length ? { allowed: false, retryAfterSeconds: Math.max(...waits) } : { allowed: true };
}
