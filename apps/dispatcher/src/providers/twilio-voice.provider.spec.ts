import { ProviderError, type OutboundMessage } from './channel-provider';
import { ACCOUNT_SID, AUTH_TOKEN, FakeTwilioApi, fieldNames, twilioCreated, twilioError } from './testing/fake-twilio-api';
import { menuSentence, TwilioVoiceProvider } from './twilio-voice.provider';

const FROM = '+15005550006';
const GATHER_URL = 'https://comeback.example/callbacks/twilio/gather?message=msg-0002&sig=x';
const STATUS_URL = 'https://comeback.example/callbacks/twilio/status?message=msg-0002';

function call(overrides: Partial<OutboundMessage<'voice'>> = {}): OutboundMessage<'voice'> {
  return {
    messageId: 'msg-0002',
    organizationId: 'org-1',
    channel: 'voice',
    to: '+995555123456',
    locale: 'en',
    content: {
      script: 'Hello Nino, this is Salon Rose. We miss you! Why have you not visited?',
      language: 'en-GB',
      menu: { '2': 'Moved away', '1': 'Too expensive', '3': 'Unhappy with the service' },
    },
    statusCallbackUrl: STATUS_URL,
    gatherCallbackUrl: GATHER_URL,
    ...overrides,
  };
}

describe('TwilioVoiceProvider', () => {
  let api: FakeTwilioApi;
  let provider: TwilioVoiceProvider;

  beforeAll(async () => {
    api = await FakeTwilioApi.start();
    provider = new TwilioVoiceProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: api.baseUrl });
  });
  afterEach(() => api.verify());
  afterAll(() => api.close());

  it('places the call with inline TwiML gathering one digit, status callbacks for every stage, and returns the call SID', async () => {
    api.expectCreate(
      'Calls',
      (form) => {
        expect(fieldNames(form)).toEqual(['From', 'StatusCallback', 'StatusCallbackEvent', 'To', 'Twiml']);
        expect(form.get('To')).toBe('+995555123456');
        expect(form.get('From')).toBe(FROM);
        expect(form.get('StatusCallback')).toBe(STATUS_URL);
        // Repeated fields, in Twilio's form convention.
        expect(form.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);
        expect(form.get('Twiml')).toBe(
          '<?xml version="1.0" encoding="UTF-8"?><Response>' +
            '<Gather numDigits="1" action="https://comeback.example/callbacks/twilio/gather?message=msg-0002&amp;sig=x" method="POST" timeout="8">' +
            '<Say language="en-GB">Hello Nino, this is Salon Rose. We miss you! Why have you not visited? 1: Too expensive. 2: Moved away. 3: Unhappy with the service.</Say>' +
            '</Gather>' +
            '<Say language="en-US">We did not hear a choice. Thank you, goodbye.</Say>' +
            '</Response>',
        );
      },
      twilioCreated('CA0123456789abcdef0123456789abcdef', { to: '+995555123456', from: FROM }),
    );
    await expect(provider.send(call())).resolves.toEqual({ providerMessageId: 'CA0123456789abcdef0123456789abcdef' });
  });

  it('escapes a client name with < and & in the script (the TwiML stays one Say of text)', async () => {
    const script = 'Hello <Hangup/> Nino & "Co", we miss you';
    api.expectCreate(
      'Calls',
      (form) => {
        const twiml = form.get('Twiml') ?? '';
        expect(twiml).toContain('Hello &lt;Hangup/&gt; Nino &amp; "Co", we miss you');
        expect(twiml).not.toContain('<Hangup/>');
        expect(twiml).not.toMatch(/& /);
      },
      twilioCreated('CA11111111111111111111111111111111', { to: '+995555123456', from: FROM }),
    );
    await provider.send(call({ content: { ...call().content, script } }));
  });

  it('says the no-input sentence in the call language when one is configured for it', async () => {
    const georgian = new TwilioVoiceProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: api.baseUrl, noInputText: { ka: 'პასუხი ვერ მივიღეთ. ნახვამდის.' } });
    api.expectCreate(
      'Calls',
      (form) => {
        expect(form.get('Twiml')).toContain('</Gather><Say language="ka-GE">პასუხი ვერ მივიღეთ. ნახვამდის.</Say></Response>');
      },
      twilioCreated('CA22222222222222222222222222222222', { to: '+995555123456', from: FROM }),
    );
    await georgian.send(call({ content: { script: 'გამარჯობა, ნინო!', language: 'ka-GE', menu: { '1': 'ძვირია' } } }));
  });

  it('asks for no status callbacks when the deployment has no public URL', async () => {
    api.expectCreate(
      'Calls',
      (form) => {
        expect(fieldNames(form)).toEqual(['From', 'To', 'Twiml']);
      },
      twilioCreated('CA33333333333333333333333333333333', { to: '+995555123456', from: FROM }),
    );
    await provider.send(call({ statusCallbackUrl: undefined }));
  });

  it('refuses to dial without a gather URL, since the answer would be lost (no request made)', async () => {
    await expect(provider.send(call({ gatherCallbackUrl: undefined }))).rejects.toMatchObject({ kind: 'permanent', code: 'no-gather-url' });
  });

  it('refuses a script whose TwiML exceeds Twilio\'s 4000 characters before dialling', async () => {
    const failure = await provider.send(call({ content: { ...call().content, script: 'We miss you. '.repeat(320) } })).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ kind: 'permanent', code: 'twiml-too-long' });
  });

  it.each([
    [400, 21215, 'Account not authorized to call +995555123456. Perhaps you need to enable some international permissions', 'permanent'],
    [400, 21211, "Invalid 'To' Phone Number", 'permanent'],
    [401, 20003, 'Authenticate', 'permanent'],
    [429, 20429, 'Too Many Requests', 'transient'],
    [503, 20503, 'Service Unavailable', 'transient'],
  ])('maps HTTP %i with error %i', async (status, code, twilioMessage, kind) => {
    api.expectCreate('Calls', () => undefined, twilioError(status, code, twilioMessage));
    await expect(provider.send(call())).rejects.toMatchObject({ kind, code: `twilio-${code}` });
  });
});

describe('menuSentence', () => {
  it('reads the menu in keypad order, ending each label with one full stop', () => {
    expect(menuSentence({ '3': 'Other', '1': 'Too expensive.', '2': 'Moved away' })).toBe('1: Too expensive. 2: Moved away. 3: Other.');
  });
});
