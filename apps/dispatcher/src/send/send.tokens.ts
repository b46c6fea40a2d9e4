/** Options of the send module, from the dispatcher's configuration. */
export const DISPATCH_OPTIONS = Symbol('DISPATCH_OPTIONS');

export interface DispatchOptions {
  /** Messages one replica sends at once per channel. */
  concurrency: number;
  /** Most messages per second per channel, across replicas (BullMQ's queue-wide limiter). */
  ratePerSecond: { sms: number; email: number; viber: number; voice: number };
  /**
   * How long a job stays locked to its worker (BullMQ lockDuration and stalled check); also the
   * lease of a claim: a message 'sending' for longer belongs to a worker that is gone.
   */
  lockSeconds: number;
  /** Public base URL of the response collector for provider callbacks, if it has one. */
  publicCallbackUrl?: string;
  /** Environment the providers' secrets are read from (named by the organization's settings). */
  env: NodeJS.ProcessEnv;
}
