import { FakeHttpApi, NEVER_ANSWER, type FakeReply } from './fake-http-api';

export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'test-auth-token-5f1d';

/**
 * Twilio's REST API as the SDK sees it, for the two create calls we make: checks the path, the
 * method, HTTP Basic auth with the account SID and token, the form encoding, then hands the
 * decoded form to the test's own checks and answers like Twilio.
 */
export class FakeTwilioApi {
  private constructor(readonly http: FakeHttpApi) {}

  static async start(): Promise<FakeTwilioApi> {
    return new FakeTwilioApi(await FakeHttpApi.start());
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  expectCreate(resource: 'Messages' | 'Calls', checkForm: (form: URLSearchParams) => void, reply: FakeReply | typeof NEVER_ANSWER): void {
    this.http.expectRequest((request) => {
      expect(request.method).toBe('POST');
      expect(request.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/${resource}.json`);
      expect(request.headers.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
      expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
      checkForm(new URLSearchParams(request.body));
      return reply;
    });
  }

  verify(): void {
    this.http.verify();
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** Twilio's 201 for a created message or call (the fields the SDK reads; `sid` is what we keep). */
export function twilioCreated(sid: string, form: Record<string, string>): FakeReply {
  const kind = sid.startsWith('SM') ? 'Messages' : 'Calls';
  return {
    status: 201,
    body: {
      sid,
      account_sid: ACCOUNT_SID,
      to: form.to,
      from: form.from ?? null,
      status: 'queued',
      date_created: 'Sat, 22 Nov 2025 14:31:00 +0000',
      api_version: '2010-04-01',
      uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/${kind}/${sid}.json`,
    },
  };
}

/** Twilio's error body: `{code, message, more_info, status}` with the same HTTP status. */
export function twilioError(status: number, code: number, message: string): FakeReply {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/** The form's field names, sorted: so a test sees any field it did not expect. */
export function fieldNames(form: URLSearchParams): string[] {
  return [...new Set(form.keys())].sort();
}
