import type twilio from 'twilio';
import type { ChannelProvider, OutboundMessage, SendReceipt } from './channel-provider';
import { closeTwilioClient, createTwilioClient, twilioProviderError, type TwilioRestOptions } from './twilio-rest';

/** The sender: one Twilio number, or a Messaging Service that picks the number itself. */
export type TwilioSmsSender = { from: string; messagingServiceSid?: never } | { messagingServiceSid: string; from?: never };

export type TwilioSmsProviderOptions = TwilioRestOptions & TwilioSmsSender;

/** SMS through Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`). */
export class TwilioSmsProvider implements ChannelProvider<'sms'> {
  readonly name = 'twilio';
  readonly reportsDelivery = true;
  readonly channel = 'sms' as const;
  private readonly client: twilio.Twilio;
  private readonly sender: TwilioSmsSender;

  constructor(options: TwilioSmsProviderOptions) {
    if (Boolean(options.from) === Boolean(options.messagingServiceSid)) {
      throw new Error('Twilio SMS provider: set exactly one of from and messagingServiceSid');
    }
    this.sender = options.from ? { from: options.from } : { messagingServiceSid: options.messagingServiceSid! };
    this.client = createTwilioClient(options);
  }

  async send(message: OutboundMessage<'sms'>): Promise<SendReceipt> {
    try {
      const created = await this.client.messages.create({
        to: message.to,
        ...this.sender,
        body: message.content.text,
        ...(message.statusCallbackUrl ? { statusCallback: message.statusCallbackUrl } : {}),
      });
      return { providerMessageId: created.sid };
    } catch (err) {
      throw twilioProviderError(err, 'SMS');
    }
  }

  /**
   * Always "cannot tell": Twilio keeps no reference of ours on a message (no idempotency key, no
   * custom field to filter the message list by), and matching the list by recipient, time and body
   * could pick another campaign's identical text. The status callback, which carries our message
   * id in its URL, settles a message left in doubt.
   */
  async lookup(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    closeTwilioClient(this.client);
  }
}
