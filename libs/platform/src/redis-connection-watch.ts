import { Logger } from '@nestjs/common';

/** What the watch needs of a client: ioredis's `Redis` and `Cluster` both are one. */
interface RedisEvents {
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'reconnecting' | 'ready', listener: () => void): unknown;
}

/** Where the lines go: the app's logger (Nest's Logger, writing through JsonLogger), or a test's. */
interface WatchLogger {
  warn(message: string, fields: Record<string, unknown>): void;
}

/** A second outage within this long of the last reported one is only counted, not logged at once. */
export const REDIS_OUTAGE_QUIET_MS = 60_000;
/** While an outage lasts, one reminder this often (a line per reconnect attempt would be one every 2 s). */
export const REDIS_OUTAGE_REMINDER_MS = 5 * 60_000;

/**
 * Reports a Redis client's outages as structured warnings, and gives the client the `error`
 * listener that keeps ioredis from printing "[ioredis] Unhandled error event" with a stack trace
 * at every reconnect attempt:
 *
 * - `redis connection lost` once when the connection goes (ioredis's `reconnecting`), with the
 *   last error (ECONNREFUSED ...);
 * - `redis connection ... is back` once when it is ready again, with how long it was down and how
 *   many attempts it took (a warning too, so whoever sees the first line at LOG_LEVEL=warn sees this);
 * - while it is down, nothing per attempt: one `still unreachable` line every five minutes.
 *
 * A flapping server is not one pair of lines per flap: an outage starting within a minute of the
 * last reported one is counted and reported with the next line (`outagesNotReported`), or on its
 * own once the minute has passed if it is still going on. The client's ordinary `error` events
 * (its attempts failing) are only remembered for those lines.
 *
 * BullMQ's Queues and Workers on the client re-emit its errors as their own; their listeners skip
 * connection errors (`isRedisConnectionError`), which this reports.
 */
export function watchRedisConnection<C extends RedisEvents>(client: C, connection: string, logger: WatchLogger = new Logger('Redis'), now: () => number = Date.now): C {
  let down = false;
  let since = 0;
  let attempts = 0;
  let reported = false;
  let lastReportedAt = -Infinity;
  let lastLineAt = 0;
  let unreported = 0;
  let lastError: Error | undefined;

  const lost = (t: number) => {
    const error = lastError?.message ?? 'connection closed';
    logger.warn(`redis connection ${connection} lost (${error}); retrying, next line when it is back`, {
      event: 'redis.connection.lost',
      connection,
      error,
      ...errorCode(lastError),
      ...(unreported ? { outagesNotReported: unreported } : {}),
    });
    unreported = 0;
    reported = true;
    lastReportedAt = lastLineAt = t;
  };

  client.on('error', (err) => {
    lastError = err;
  });
  client.on('reconnecting', () => {
    const t = now();
    if (!down) {
      down = true;
      since = t;
      attempts = 0;
      reported = false;
      if (t - lastReportedAt >= REDIS_OUTAGE_QUIET_MS) lost(t);
      else unreported++;
      return;
    }
    attempts++;
    if (!reported) {
      // An outage held back as a flap that is still going on once the quiet minute is over.
      if (t - lastReportedAt >= REDIS_OUTAGE_QUIET_MS) {
        unreported--;
        lost(t);
      }
    } else if (t - lastLineAt >= REDIS_OUTAGE_REMINDER_MS) {
      lastLineAt = t;
      const downSeconds = Math.round((t - since) / 1000);
      const error = lastError?.message ?? 'connection closed';
      logger.warn(`redis connection ${connection} still unreachable after ${downSeconds} s (${attempts} attempts: ${error})`, {
        event: 'redis.connection.down',
        connection,
        error,
        ...errorCode(lastError),
        downSeconds,
        attempts,
      });
    }
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    const t = now();
    lastError = undefined;
    if (!reported) return;
    lastLineAt = t;
    const downSeconds = Math.round((t - since) / 100) / 10;
    logger.warn(`redis connection ${connection} is back after ${downSeconds} s (${attempts} failed attempts)`, {
      event: 'redis.connection.back',
      connection,
      downSeconds,
      attempts,
    });
  });
  return client;
}

function errorCode(err: Error | undefined): { code?: string } {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? { code } : {};
}

/** Socket error codes of a connection failing (rather than a command). */
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * Whether an error a BullMQ Queue or Worker emitted is its Redis connection failing (reported by
 * the client's watch, above) rather than something about a job.
 */
export function isRedisConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  if (typeof e?.code === 'string' && CONNECTION_ERROR_CODES.has(e.code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return e?.name === 'ConnectionClosedError' || e?.name === 'MaxRetriesPerRequestError' || /^Connection is closed\.?$|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Stream isn't writeable|All nodes failed|Failed to refresh slots cache|ClusterAllFailedError/.test(message);
}

/** What logBullmqErrors needs of a BullMQ Queue or Worker. */
interface BullmqEmitter {
  readonly name: string;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/**
 * The `error` listener every BullMQ Queue and Worker needs: BullMQ re-emits each failed reconnect
 * attempt of its Redis client as the Queue's or Worker's own error, and a Queue without a listener
 * prints each one with its stack to stderr. Connection errors are left to the client's watch (one
 * line per outage); anything else (about a job, a lock, a script) is logged at warn, as `what: message`.
 * Returns the target: `logBullmqErrors(new Queue(...))`.
 */
export function logBullmqErrors<T extends BullmqEmitter>(target: T, logger: { warn(message: string): void } = new Logger('BullMQ'), what = `queue ${target.name} error`): T {
  target.on('error', (err) => {
    if (!isRedisConnectionError(err)) logger.warn(`${what}: ${err.message}`);
  });
  return target;
}
