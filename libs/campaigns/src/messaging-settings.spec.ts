import { InvalidMessagingSettingsError, parseMessagingSettings } from './messaging-settings';

describe('messaging settings', () => {
  it('complete {} with the defaults: sandbox providers, 08:00-21:00, a 30-day cap', () => {
    const s = parseMessagingSettings({});
    expect(s.allowedHours).toEqual({ from: '08:00', to: '21:00' });
    expect(s.frequencyCapDays).toBe(30);
    expect(s.providers).toEqual({ sms: { type: 'sandbox' }, email: { type: 'sandbox' }, viber: { type: 'sandbox' }, voice: { type: 'sandbox' } });
  });

  it('take real providers whose secrets are named environment variables', () => {
    const s = parseMessagingSettings({
      providers: { sms: { type: 'twilio', accountSid: `AC${'a'.repeat(32)}`, authTokenEnv: 'TWILIO_AUTH_TOKEN', from: '+995555123456' } },
    });
    expect(s.providers.sms).toMatchObject({ type: 'twilio', authTokenEnv: 'TWILIO_AUTH_TOKEN' });
  });

  it('refuse a bad field, naming it', () => {
    const bad = (input: unknown) => {
      try {
        parseMessagingSettings(input);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidMessagingSettingsError);
        return (err as InvalidMessagingSettingsError).field;
      }
      throw new Error('accepted');
    };
    expect(bad({ allowedHours: { from: '25:00' } })).toBe('allowedHours.from');
    expect(bad({ frequencyCapDays: -1 })).toBe('frequencyCapDays');
    expect(bad({ providers: { sms: { type: 'twilio', accountSid: `AC${'a'.repeat(32)}`, authTokenEnv: 'secret-value', from: '+995555123456' } } })).toBe('providers.sms.authTokenEnv');
    expect(bad({ providers: { sms: { type: 'twilio', accountSid: `AC${'a'.repeat(32)}`, authTokenEnv: 'T' } } })).toBe('providers.sms.from');
    expect(bad({ prices: { smsSegment: '1e3' } })).toBe('prices.smsSegment');
    expect(bad({ unknownKey: 1 })).toBe('(root)');
  });
});
