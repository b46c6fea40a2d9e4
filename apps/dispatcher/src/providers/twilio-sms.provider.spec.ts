import { Agent } from 'node:https';
import { ProviderError, type OutboundMessage } from './channel-provider';
import { closedPort, NEVER_ANSWER } from './testing/fake-http-api';
import { ACCOUNT_SID, AUTH_TOKEN, FakeTwilioApi, fieldNames, twilioCreated, twilioError } from './testing/fake-twilio-api';
import { TwilioSmsProvider } from './twilio-sms.provider';

const FROM = '+15005550006';

function sms(overrides: Partial<OutboundMessage<'sms'>> = {}): OutboundMessage<'sms'> {
  return {
    messageId: 'msg-0001',
    organizationId: 'org-1',
    channel: 'sms',
    to: '+995555123456',
    locale: 'ka',
    content: { text: 'გამარჯობა, ნინო! რატომ აღარ მოდიხართ? Reply 1-4' },
    statusCallbackUrl: 'https://comeback.example/callbacks/twilio/status?message=msg-0001&sig=a%2Bb',
    ...overrides,
  };
}

describe('TwilioSmsProvider', () => {
  let api: FakeTwilioApi;
  let provider: TwilioSmsProvider;

  beforeAll(async () => {
    api = await FakeTwilioApi.start();
    provider = new TwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: api.baseUrl });
  });
  afterEach(() => api.verify());
  afterAll(() => api.close());

  it('creates the message from our number with the body and status callback, and returns the SID', async () => {
    const message = sms();
    api.expectCreate(
      'Messages',
      (form) => {
        expect(fieldNames(form)).toEqual(['Body', 'From', 'StatusCallback', 'To']);
        expect(form.get('To')).toBe('+995555123456');
        expect(form.get('From')).toBe(FROM);
        expect(form.get('Body')).toBe(message.content.text);
        expect(form.get('StatusCallback')).toBe(message.statusCallbackUrl);
      },
      twilioCreated('SM0123456789abcdef0123456789abcdef', { to: message.to, from: FROM }),
    );
    await expect(provider.send(message)).resolves.toEqual({ providerMessageId: 'SM0123456789abcdef0123456789abcdef' });
    expect(api.http.received).toHaveLength(1);
  });

  it('sends through a Messaging Service instead of a number, and no callback when there is no public URL', async () => {
    const viaService = new TwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, messagingServiceSid: 'MG0123456789abcdef0123456789abcdef', apiBaseUrl: api.baseUrl });
    api.expectCreate(
      'Messages',
      (form) => {
        expect(fieldNames(form)).toEqual(['Body', 'MessagingServiceSid', 'To']);
        expect(form.get('MessagingServiceSid')).toBe('MG0123456789abcdef0123456789abcdef');
      },
      twilioCreated('SMfedcba9876543210fedcba9876543210', { to: '+995555123456' }),
    );
    await expect(viaService.send(sms({ statusCallbackUrl: undefined }))).resolves.toEqual({ providerMessageId: 'SMfedcba9876543210fedcba9876543210' });
  });

  it.each([
    [400, 21211, "The 'To' number +99555 is not a valid phone number."],
    [400, 21610, 'Attempt to send to unsubscribed recipient'],
    [400, 21614, "'To' number is not a valid mobile number"],
    [400, 21408, 'Permission to send an SMS has not been enabled for the region indicated by the To number'],
    [401, 20003, 'Authenticate'],
  ])('HTTP %i with Twilio error %i is permanent', async (status, code, twilioMessage) => {
    api.expectCreate('Messages', () => undefined, twilioError(status, code, twilioMessage));
    const failure = await provider.send(sms()).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ kind: 'permanent', code: `twilio-${code}` });
  });

  it('says why in words staff can act on for a known code', async () => {
    api.expectCreate('Messages', () => undefined, twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'));
    await expect(provider.send(sms())).rejects.toThrow(/replied STOP/);
  });

  it('treats an unknown 4xx as permanent, keeping Twilio\'s message', async () => {
    api.expectCreate('Messages', () => undefined, twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit'));
    await expect(provider.send(sms())).rejects.toMatchObject({ kind: 'permanent', code: 'twilio-21617', message: expect.stringContaining('1600 character limit') });
  });

  it('treats 429 Too Many Requests as transient', async () => {
    api.expectCreate('Messages', () => undefined, twilioError(429, 20429, 'Too Many Requests'));
    await expect(provider.send(sms())).rejects.toMatchObject({ kind: 'transient', code: 'twilio-20429' });
  });

  it('treats a 500 with a Twilio body as transient', async () => {
    api.expectCreate('Messages', () => undefined, twilioError(500, 20500, 'Internal Server Error'));
    await expect(provider.send(sms())).rejects.toMatchObject({ kind: 'transient', code: 'twilio-20500' });
  });

  it('treats a 503 from a proxy (no Twilio body) as transient', async () => {
    api.expectCreate('Messages', () => undefined, { status: 503, body: '<html>Service Unavailable</html>' });
    await expect(provider.send(sms())).rejects.toMatchObject({ kind: 'transient', code: 'http-503' });
  });

  it('treats a refused connection as transient', async () => {
    const nowhere = new TwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: `http://127.0.0.1:${await closedPort()}` });
    await expect(nowhere.send(sms())).rejects.toMatchObject({ kind: 'transient', code: 'network' });
  });

  it('gives up after the timeout, as transient', async () => {
    const impatient = new TwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, apiBaseUrl: api.baseUrl, timeoutMs: 200 });
    api.expectCreate('Messages', () => undefined, NEVER_ANSWER);
    const started = Date.now();
    await expect(impatient.send(sms())).rejects.toMatchObject({ kind: 'transient', code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('cannot look a message up by our id', async () => {
    await expect(provider.lookup()).resolves.toBeUndefined();
  });

  it('close() destroys the SDK\'s keep-alive HTTPS agent', async () => {
    const destroy = jest.spyOn(Agent.prototype, 'destroy');
    try {
      const closing = new TwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM });
      await closing.close();
      expect(destroy).toHaveBeenCalledTimes(1);
    } finally {
      destroy.mockRestore();
    }
  });

  it('needs exactly one sender, and its own credentials', () => {
    expect(() => new TwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN } as never)).toThrow(/exactly one/);
    expect(() => new TwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: FROM, messagingServiceSid: 'MG1' } as never)).toThrow(/exactly one/);
    expect(() => new TwilioSmsProvider({ accountSid: '', authToken: AUTH_TOKEN, from: FROM })).toThrow(/required/);
  });
});
