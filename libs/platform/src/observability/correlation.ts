import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * What every log line written inside a request or a job carries. Held in AsyncLocalStorage, so a
 * `new Logger(...).log()` deep in a service, after any number of awaits, still knows which request
 * or job it serves without the id being passed down by hand.
 */
export interface CorrelationContext {
  /**
   * The request's id (X-Request-Id); for a job, the id its payload carries (of the request or job
   * that queued it), or a new one for a job queued without one (a job scheduler's).
   */
  correlationId?: string;
  /** Set inside a BullMQ job. */
  queue?: string;
  jobId?: string;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

/** The context of the request or job this code runs for, if any. */
export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}

/** Runs `fn` (and everything it awaits or schedules) with `context` as the current correlation. */
export function runWithCorrelation<T>(context: CorrelationContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * An incoming X-Request-Id is kept only when it is short and made of safe characters (a UUID, a
 * load balancer's or another service's id); anything else (too long, spaces, quotes, control
 * characters that could forge log lines) is replaced, never echoed.
 */
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{8,64}$/;

export function isWellFormedCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && WELL_FORMED_ID.test(value);
}

/** The id a request goes by: the caller's X-Request-Id when well-formed, else a new UUID. */
export function requestCorrelationId(header: string | string[] | undefined): string {
  return isWellFormedCorrelationId(header) ? header : randomUUID();
}

/**
 * `data` with the current request's or job's correlation id added as `correlationId` (the
 * contracts' `Correlated`), for a payload about to be queued or written to the outbox: the work it
 * starts then logs under the same id. Unchanged outside a request or job, and when `data` is not a
 * plain object or names a `correlationId` of its own (even an undefined one: the outbox relay says
 * so for events written without one).
 */
export function withCorrelationId<T>(data: T): T {
  const correlationId = storage.getStore()?.correlationId;
  if (correlationId === undefined || data === null || typeof data !== 'object' || Array.isArray(data) || 'correlationId' in data) return data;
  return { ...data, correlationId };
}
