import { ProviderError, type ChannelProvider, type OutboundMessage, type SendReceipt } from './channel-provider';

export interface ViberProviderOptions {
  /** The bot's authentication token (sent as X-Viber-Auth-Token). */
  authToken: string;
  /** The name the message shows as sent by; Viber allows at most 28 characters. */
  senderName: string;
  /** URL of the sender's avatar picture. */
  senderAvatar?: string;
  apiBaseUrl?: string;
  /** The whole exchange, answer body included; a slower one fails as transient `timeout`. Default 10 s. */
  timeoutMs?: number;
}

const DEFAULT_API_BASE_URL = 'https://chatapi.viber.com/pa';
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_SENDER_NAME_LENGTH = 28;
/** Keyboards with an open-url button need clients of API version 7 or later. */
const MIN_API_VERSION = 7;

/**
 * Viber answers every call with HTTP 200 and a `status` in the body; 0 is success. Where a
 * status is listed here, retrying the same message cannot help: the recipient cannot receive it
 * (not registered, unsubscribed, unsuitable device or version, unsupported country), our request
 * is malformed, or the bot account itself is unusable until staff act (bad token, blocked,
 * suspended, no webhook, billing). Staff re-send from the dead letters once that is fixed.
 * 12 (too many requests) and any status Viber does not document (its "general error") are
 * transient.
 */
const PERMANENT_STATUSES: Readonly<Record<number, string>> = {
  1: 'invalid URL',
  2: 'invalid auth token: check the bot token in the channel settings',
  3: 'bad data: the request was malformed',
  4: 'missing data: a mandatory field is missing',
  5: 'the receiver is not registered on Viber',
  6: 'the receiver is not subscribed to the bot',
  7: 'the bot account is blocked',
  8: 'the bot account was not found',
  9: 'the bot account is suspended',
  10: 'the bot has no webhook set, which Viber requires before it sends',
  11: 'the receiver has no device that can show this message',
  13: 'the receiver\'s Viber version does not support this message',
  14: 'the message is incompatible with the receiver\'s Viber version',
  15: 'the bot account is not authorized',
  16: 'in-chat replies are not allowed',
  17: 'the bot account is not inline',
  18: 'no public chat',
  19: 'cannot send broadcast',
  20: 'broadcast not allowed',
  21: 'the receiver\'s country is not supported',
  22: 'payment unsupported',
  23: 'the bot\'s free messages are used up',
  24: 'the bot account has no balance',
};

interface ViberAnswer {
  status?: unknown;
  status_message?: unknown;
  message_token?: unknown;
}

/** Viber bot messages (`POST {apiBaseUrl}/send_message`): the text and one button opening the reply form. */
export class ViberProvider implements ChannelProvider<'viber'> {
  readonly name = 'viber';
  readonly reportsDelivery = true;
  readonly channel = 'viber' as const;
  private readonly sendMessageUrl: string;

  constructor(private readonly options: ViberProviderOptions) {
    if (!options.authToken) throw new Error('Viber provider: authToken is required');
    if (!options.senderName || options.senderName.length > MAX_SENDER_NAME_LENGTH) {
      throw new Error(`Viber provider: senderName must be 1 to ${MAX_SENDER_NAME_LENGTH} characters`);
    }
    this.sendMessageUrl = `${(options.apiBaseUrl ?? DEFAULT_API_BASE_URL).replace(/\/+$/, '')}/send_message`;
  }

  async send(message: OutboundMessage<'viber'>): Promise<SendReceipt> {
    const { text, buttonText, buttonUrl } = message.content;
    const body = {
      receiver: message.to,
      min_api_version: MIN_API_VERSION,
      sender: { name: this.options.senderName, ...(this.options.senderAvatar ? { avatar: this.options.senderAvatar } : {}) },
      // Viber echoes it in delivered/seen/failed callbacks: how those find our message.
      tracking_data: message.messageId,
      type: 'text',
      text,
      keyboard: {
        Type: 'keyboard',
        DefaultHeight: false,
        Buttons: [{ ActionType: 'open-url', ActionBody: buttonUrl, Text: buttonText, Columns: 6, Rows: 1 }],
      },
    };
    const raw = await this.post(JSON.stringify(body));
    let answer: ViberAnswer;
    try {
      answer = JSON.parse(raw) as ViberAnswer;
    } catch {
      // Unreadable, so we cannot know whether Viber took it; a later attempt finds out.
      throw new ProviderError('transient', 'bad-response', `Viber answered something that is not JSON: ${raw.slice(0, 200)}`);
    }
    const status = Number(answer?.status);
    if (status === 0) {
      // Accepted: never throw from here on, or the retry sends the message twice. Viber always
      // returns a token; should one be missing, the tracking data (our id) still identifies it.
      const token = messageToken(raw, answer.message_token);
      return { providerMessageId: token ?? `tracking:${message.messageId}` };
    }
    const statusMessage = typeof answer?.status_message === 'string' ? answer.status_message : 'no status message';
    if (!Number.isInteger(status)) {
      throw new ProviderError('transient', 'bad-response', `Viber answered without a status: ${raw.slice(0, 200)}`);
    }
    const meaning = PERMANENT_STATUSES[status];
    throw new ProviderError(meaning ? 'permanent' : 'transient', `viber-${status}`, `Viber refused the message (status ${status}, ${statusMessage})${meaning ? `: ${meaning}` : ''}`);
  }

  /**
   * Always "cannot tell": Viber has no call to find a sent message by its tracking data. The
   * delivered/failed callbacks (which echo our id as tracking_data) settle a message in doubt.
   */
  async lookup(): Promise<undefined> {
    return undefined;
  }

  /**
   * Sends and reads the answer text, mapping transport trouble. A timeout can come after Viber
   * took the message; it is still transient, as the interface asks (the callbacks tell).
   */
  private async post(body: string): Promise<string> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    try {
      const response = await fetch(this.sendMessageUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Viber-Auth-Token': this.options.authToken },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const raw = await response.text();
      if (response.status === 429 || response.status >= 500) {
        throw new ProviderError('transient', `http-${response.status}`, `Viber answered HTTP ${response.status}`);
      }
      if (!response.ok) {
        // Viber itself answers 200 even to refusals; another status means the URL or a proxy in
        // between is wrong, which retrying does not change.
        throw new ProviderError('permanent', `http-${response.status}`, `Viber answered HTTP ${response.status}: ${raw.slice(0, 200)}`);
      }
      return raw;
    } catch (err) {
      if (err instanceof ProviderError) throw err;
      // Checked by name, not instanceof: the abort reason is a DOMException from fetch's realm.
      const failure = err as { name?: unknown; message?: unknown; cause?: { message?: unknown } } | undefined;
      if (failure?.name === 'TimeoutError' || failure?.name === 'AbortError') {
        throw new ProviderError('transient', 'timeout', `Viber did not answer within ${timeoutMs} ms`);
      }
      const reason = failure?.cause?.message ?? failure?.message ?? String(err);
      throw new ProviderError('transient', 'network', `Could not reach Viber: ${String(reason)}`);
    }
  }
}

/**
 * The message token exactly as Viber wrote it. Tokens are 64-bit integers (e.g.
 * 5741311803571721087), beyond what a JavaScript number holds exactly, so JSON.parse rounds them.
 * The digits are taken from the raw text instead, and checked against the parsed value (the same
 * number once rounded) so a look-alike elsewhere in the text is never taken by mistake.
 */
export function messageToken(raw: string, parsed: unknown): string | undefined {
  if (typeof parsed === 'string' && parsed) return parsed;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed)) return undefined;
  const digits = /"message_token"\s*:\s*(-?\d+)\s*[,}]/.exec(raw)?.[1];
  return digits !== undefined && Number(digits) === parsed ? digits : String(parsed);
}
