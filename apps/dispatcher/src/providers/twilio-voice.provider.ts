import twilio from 'twilio';
import type { VoiceParts } from '@comeback/templates';
import { ProviderError, type ChannelProvider, type OutboundMessage, type SendReceipt } from './channel-provider';
import { closeTwilioClient, createTwilioClient, twilioProviderError, type TwilioRestOptions } from './twilio-rest';

export interface TwilioVoiceProviderOptions extends TwilioRestOptions {
  /** A Twilio number (or verified caller id) the call comes from. */
  from: string;
  /**
   * What the call says when the keypad stays silent, by language (`ka-GE`, or `ka` for every
   * Georgian variant). Without one for the call's language the built-in English sentence is said
   * in an English voice, since reading English text with another language's voice is garbled.
   */
  noInputText?: Readonly<Record<string, string>>;
}

const ENGLISH_NO_INPUT = { language: 'en-US', text: 'We did not hear a choice. Thank you, goodbye.' };
/** Seconds `<Gather>` waits for the first key press. */
const GATHER_TIMEOUT_S = 8;
/** Twilio refuses inline TwiML longer than this; fail before dialling rather than after. */
const MAX_TWIML_LENGTH = 4000;
const CALL_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

/** Twilio's Say language union, from `say(attributes, text)` (the root does not export it by name). */
type SayLanguage = NonNullable<Parameters<twilio.twiml.VoiceResponse['say']>[0]['language']>;

/**
 * Automated calls through Twilio's Calls API: the TwiML travels inline with the create request,
 * so no public URL has to serve it; the keypad answer goes to `gatherCallbackUrl`.
 */
export class TwilioVoiceProvider implements ChannelProvider<'voice'> {
  readonly name = 'twilio';
  readonly reportsDelivery = true;
  readonly channel = 'voice' as const;
  private readonly client: twilio.Twilio;

  constructor(private readonly options: TwilioVoiceProviderOptions) {
    if (!options.from) throw new Error('Twilio voice provider: from is required');
    this.client = createTwilioClient(options);
  }

  async send(message: OutboundMessage<'voice'>): Promise<SendReceipt> {
    if (!message.gatherCallbackUrl) {
      // A call whose key press nobody receives asks the question and loses the answer.
      throw new ProviderError('permanent', 'no-gather-url', 'Voice calls need a public gather callback URL (the deployment has none configured)');
    }
    const twiml = this.buildTwiml(message.content, message.gatherCallbackUrl);
    if (twiml.length > MAX_TWIML_LENGTH) {
      throw new ProviderError('permanent', 'twiml-too-long', `The call script is ${twiml.length} characters of TwiML; Twilio accepts at most ${MAX_TWIML_LENGTH}. Shorten the script or menu.`);
    }
    try {
      const call = await this.client.calls.create({
        to: message.to,
        from: this.options.from,
        twiml,
        ...(message.statusCallbackUrl ? { statusCallback: message.statusCallbackUrl, statusCallbackEvent: CALL_EVENTS } : {}),
      });
      return { providerMessageId: call.sid };
    } catch (err) {
      throw twilioProviderError(err, 'call');
    }
  }

  /** Same reason as TwilioSmsProvider.lookup: Twilio cannot find a call by our id. */
  async lookup(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    closeTwilioClient(this.client);
  }

  /**
   * `<Gather>` around the script and the menu, then the no-input sentence Twilio reaches when
   * the gather times out. The SDK's XML builder escapes every text and attribute, so names with
   * `<` or `&` in the rendered script stay text.
   */
  buildTwiml(content: VoiceParts, gatherCallbackUrl: string): string {
    const response = new twilio.twiml.VoiceResponse();
    const gather = response.gather({ numDigits: 1, action: gatherCallbackUrl, method: 'POST', timeout: GATHER_TIMEOUT_S });
    // Twilio's list of Say languages is narrower than what templates allow (e.g. ka-GE); Twilio
    // itself answers an unsupported one, so the type is widened rather than the value checked.
    gather.say({ language: content.language as SayLanguage }, [content.script.trim(), menuSentence(content.menu)].filter(Boolean).join(' '));
    const noInput = this.noInputFor(content.language);
    response.say({ language: noInput.language as SayLanguage }, noInput.text);
    return response.toString();
  }

  private noInputFor(language: string): { language: string; text: string } {
    const texts = this.options.noInputText ?? {};
    const text = texts[language] ?? texts[language.split('-')[0]];
    return text ? { language, text } : ENGLISH_NO_INPUT;
  }
}

/** "1: Too expensive. 2: Moved away." in digit order (the order the keypad reads). */
export function menuSentence(menu: Readonly<Record<string, string>>): string {
  return Object.keys(menu)
    .sort()
    .map((digit) => {
      const label = menu[digit].trim();
      return `${digit}: ${/[.!?…。]$/.test(label) ? label : `${label}.`}`;
    })
    .join(' ');
}
