import type { Channel, ChannelParts } from '@comeback/templates';

/**
 * One message as a provider sends it: already rendered, addressed and tied to our message id.
 * Providers see no database; the dispatcher claims the message row, calls `send`, and records the
 * outcome.
 */
export interface OutboundMessage<C extends Channel = Channel> {
  /** Our message id: the reference carried into the provider's status callbacks. */
  messageId: string;
  organizationId: string;
  channel: C;
  /** E.164 phone number (sms, voice), e-mail address (email) or Viber user id (viber). */
  to: string;
  /** The client's locale the message was rendered in (BCP-47). */
  locale: string;
  content: ChannelParts[C];
  /**
   * Public URL the provider posts delivery updates to (the response collector), with our message
   * id in it; absent when the deployment has no public URL (no callbacks then).
   */
  statusCallbackUrl?: string;
  /** Public URL the voice provider posts the keypad answer to (`<Gather action>`). */
  gatherCallbackUrl?: string;
  /** One-click unsubscribe URL (RFC 8058) for e-mail; also shown as the visible link. */
  unsubscribeUrl?: string;
}

/** What a provider says when it accepted a message. */
export interface SendReceipt {
  /** The provider's id of the message (Twilio SID, SMTP Message-ID, Viber message_token ...). */
  providerMessageId: string;
  /**
   * True when accepting it was delivering it (the sandbox, a perfect network): the message is
   * recorded as delivered at once rather than sent awaiting a delivery receipt (which a campaign
   * with fallback hours would otherwise wait for before trying the next channel).
   */
  delivered?: boolean;
}

/**
 * Why a send failed. `transient`: worth retrying later (timeouts, 429, 5xx, connection refused).
 * `permanent`: retrying cannot help (invalid number, unsubscribed, rejected content, bad
 * credentials); the message fails at once and goes to the dead letters.
 */
export class ProviderError extends Error {
  constructor(
    readonly kind: 'transient' | 'permanent',
    /** A short stable code, e.g. `twilio-21211`, `smtp-550`, `viber-6`, `timeout`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** A channel's provider (one instance per organization and channel configuration). */
export interface ChannelProvider<C extends Channel = Channel> {
  /** 'twilio', 'smtp', 'viber', 'sandbox'. */
  readonly name: string;
  readonly channel: C;
  /**
   * Whether the provider reports delivery through status callbacks (Twilio, Viber) when we ask
   * for them; SMTP never does. The sandbox delivers as it accepts.
   */
  readonly reportsDelivery: boolean;
  /** Sends; resolves with the receipt once the provider accepted it, or throws ProviderError. */
  send(message: OutboundMessage<C>): Promise<SendReceipt>;
  /**
   * Whether the provider already accepted our message `messageId` (a send whose outcome we did
   * not record, because the worker died): its receipt, null when it never arrived, or undefined
   * when the provider cannot tell (the message then stays in doubt for a status callback or for
   * staff to decide; it is never resent blindly).
   */
  lookup?(messageId: string): Promise<SendReceipt | null | undefined>;
  /** Releases connections (SMTP pool, HTTP agents). */
  close?(): Promise<void>;
}
