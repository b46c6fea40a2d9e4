import twilio from 'twilio';
import { isTwilioSignature, twilioSignature } from './twilio-signature';

const TOKEN = '12345678901234567890123456789012';

/** Requests as Twilio sends them: URL (with our query), form fields (a repeated field is an array, as the body parser gives it). */
const SAMPLES: { url: string; params: Record<string, string | string[]> }[] = [
  {
    url: 'https://answers.example.test/webhooks/twilio/sms?org=1f0c6a52-8d8e-4a43-9d0e-2f7a4c1b9e10',
    params: { MessageSid: `SM${'a'.repeat(32)}`, AccountSid: `AC${'1'.repeat(32)}`, From: '+995599000101', To: '+995322000000', Body: ' 2 ', NumMedia: '0' },
  },
  { url: 'http://127.0.0.1:3961/webhooks/twilio/sms?org=x', params: { Body: 'ძალიან ძვირია 😡 & <b>', From: '+995599000102', MessageSid: `SM${'b'.repeat(32)}` } },
  { url: 'https://answers.example.test/webhooks/twilio/status?org=o&message=42', params: { MessageStatus: 'delivered', MessageSid: `SM${'c'.repeat(32)}`, ErrorCode: '' } },
  { url: 'https://answers.example.test/webhooks/twilio/voice?org=o&message=7', params: { Digits: '1', CallSid: `CA${'7'.repeat(32)}`, MediaUrl: ['https://m/2', 'https://m/1', 'https://m/2'] } },
  { url: 'https://answers.example.test/webhooks/twilio/sms?org=o', params: {} },
];

describe('Twilio signature (one HMAC over the exact public URL)', () => {
  it.each(SAMPLES.map((s, i) => [i, s] as const))('computes what the SDK computes and accepts what twilio.validateRequest accepts (sample %i)', (_i, { url, params }) => {
    const sdk = twilio.getExpectedTwilioSignature(TOKEN, url, params);
    expect(twilioSignature(TOKEN, url, params)).toBe(sdk);
    expect(twilio.validateRequest(TOKEN, sdk, url, params)).toBe(true);
    expect(isTwilioSignature(TOKEN, sdk, url, params)).toBe(true);
  });

  it.each(SAMPLES.map((s, i) => [i, s] as const))('refuses, as twilio.validateRequest does, another token, a changed field, another URL and a malformed signature (sample %i)', (_i, { url, params }) => {
    const good = twilio.getExpectedTwilioSignature(TOKEN, url, params);
    const cases: [string, string, Record<string, unknown>][] = [
      [twilio.getExpectedTwilioSignature('another-token', url, params), url, params],
      [good, url, { ...params, Body: 'STOP' }],
      [good, url, { ...params, Extra: '1' }],
      [good, url.replace('org=', 'org=other'), params],
      [good.slice(0, -2), url, params],
      [`${good}=`, url, params],
      ['', url, params],
    ];
    for (const [signature, u, p] of cases) {
      expect({ signature, u, p, sdk: twilio.validateRequest(TOKEN, signature, u, p) }).toEqual({ signature, u, p, sdk: false });
      expect({ signature, u, p, ours: isTwilioSignature(TOKEN, signature, u, p) }).toEqual({ signature, u, p, ours: false });
    }
  });

  it('checks the exact URL only: a signature over the URL with the default port added is not ours (the SDK tries both)', () => {
    const { url, params } = SAMPLES[0];
    const withPort = url.replace('answers.example.test', 'answers.example.test:443');
    const signature = twilio.getExpectedTwilioSignature(TOKEN, withPort, params);
    expect(twilio.validateRequest(TOKEN, signature, url, params)).toBe(true);
    expect(isTwilioSignature(TOKEN, signature, url, params)).toBe(false);
  });
});
