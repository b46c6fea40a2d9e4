import twilio from 'twilio';
import { ProviderError } from './channel-provider';

/** What both Twilio providers (SMS and voice) need to reach the REST API. */
export interface TwilioRestOptions {
  /** `AC...`; also the HTTP Basic user name. */
  accountSid: string;
  authToken: string;
  /**
   * Replaces `https://api.twilio.com` (the domain Messages and Calls live on), e.g. a local
   * stand-in in tests or an egress proxy. Do not combine with TWILIO_REGION / TWILIO_EDGE: the SDK
   * rewrites the host name for those.
   */
  apiBaseUrl?: string;
  /** Per-request timeout; a send that takes longer fails as transient `timeout`. Default 10 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createTwilioClient(options: TwilioRestOptions): twilio.Twilio {
  if (!options.accountSid || !options.authToken) {
    // The SDK would silently fall back to TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN from the
    // environment: one organization's messages must never go out on another account.
    throw new Error('Twilio provider: accountSid and authToken are required');
  }
  const client = twilio(options.accountSid, options.authToken, {
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // Our queue retries with backoff and records each attempt; a hidden retry inside the SDK
    // would only stretch one attempt past the job's lock.
    autoRetry: false,
  });
  if (options.apiBaseUrl) {
    // twilio-node 6 has no constructor option for the host. Each API domain keeps its base URL
    // in the public, typed `Domain.baseUrl` field and builds every request URL from it, so
    // setting it on `client.api` (Messages, Calls) moves exactly the requests we make and keeps
    // the SDK's own request pipeline (auth, form encoding, error parsing). The alternative, a
    // custom `httpClient` rewriting URLs, reimplements more of the SDK than it replaces.
    client.api.baseUrl = options.apiBaseUrl.replace(/\/+$/, '');
  }
  return client;
}

/**
 * Drops the SDK's keep-alive HTTPS agent and its idle sockets to api.twilio.com (the registry
 * closes a provider when an organization's settings change). The agent is the SDK's own, reached
 * through its public `httpClient.axios`; a later send would open new sockets.
 */
export function closeTwilioClient(client: twilio.Twilio): void {
  const agent = client.httpClient.axios.defaults.httpsAgent as { destroy?: () => void } | undefined;
  agent?.destroy?.();
}

/**
 * Twilio error codes that are about the recipient or our account, with the sentence staff read
 * in the dead letters. Any other 4xx is permanent too, with Twilio's own message.
 */
const KNOWN_PERMANENT_CODES: Readonly<Record<number, string>> = {
  20003: 'Twilio rejected the credentials (account SID / auth token)',
  21211: 'the number is not a valid phone number',
  21408: 'the account has no permission to reach this region (Geo permissions)',
  21610: 'the recipient replied STOP; Twilio refuses to message them until they reply START',
  21614: 'the number is not a mobile number and cannot receive SMS',
};

/** HTTP statuses worth retrying: the request may succeed later unchanged. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Classifies whatever the SDK threw. The SDK turns every non-2xx answer into a RestException
 * carrying the HTTP status and Twilio's numeric error code; transport failures surface as axios
 * errors (no response) and are worth retrying.
 */
export function twilioProviderError(err: unknown, what: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const refusal = apiRefusal(err);
  if (refusal) {
    const { status, twilioCode } = refusal;
    const code = twilioCode !== undefined ? `twilio-${twilioCode}` : `http-${status}`;
    const detail = (twilioCode !== undefined && KNOWN_PERMANENT_CODES[twilioCode]) || refusal.message;
    const message = `Twilio refused the ${what} (HTTP ${status}${twilioCode !== undefined ? `, error ${twilioCode}` : ''}): ${detail}`;
    return new ProviderError(isRetryableStatus(status) ? 'transient' : 'permanent', code, message);
  }
  const transport = err as { isAxiosError?: boolean; code?: string; message?: string } | undefined;
  if (transport?.isAxiosError === true || (typeof transport?.code === 'string' && /^E[A-Z]+$/.test(transport.code))) {
    // axios reports its own timeout as ECONNABORTED; a socket that stalls gives ETIMEDOUT.
    if (transport.code === 'ECONNABORTED' || transport.code === 'ETIMEDOUT' || /timeout/i.test(transport.message ?? '')) {
      return new ProviderError('transient', 'timeout', `Twilio did not answer the ${what} in time: ${transport.message}`);
    }
    return new ProviderError('transient', 'network', `Could not reach Twilio for the ${what}: ${transport.message}`);
  }
  // Anything else is the SDK refusing our own arguments before sending: retrying cannot help.
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError('permanent', 'twilio-client', `Twilio SDK refused the ${what}: ${message}`);
}

/**
 * The HTTP status and Twilio error code of an API refusal. Legacy APIs (Messages, Calls) answer
 * `{code, message, more_info, status}` and the SDK throws RestException; newer APIs answer RFC 9457
 * problem details and it throws TwilioServiceException, which the package root does not export,
 * so that one is recognised by its shape (an Error with a numeric HTTP status).
 */
function apiRefusal(err: unknown): { status: number; twilioCode?: number; message: string } | undefined {
  if (!(err instanceof Error)) return undefined;
  const fields = err as Error & { status?: unknown; code?: unknown; detail?: unknown };
  if (!(err instanceof twilio.RestException) && typeof fields.status !== 'number') return undefined;
  const status = Number(fields.status);
  const twilioCode = typeof fields.code === 'number' && fields.code > 0 ? fields.code : undefined;
  const message = typeof fields.detail === 'string' && fields.detail ? fields.detail : err.message;
  return { status, twilioCode, message };
}
