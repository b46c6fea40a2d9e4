import { ProviderError, type OutboundMessage } from './channel-provider';
import { closedPort, FakeHttpApi, NEVER_ANSWER, type FakeReply } from './testing/fake-http-api';
import { messageToken, ViberProvider } from './viber.provider';

const AUTH_TOKEN = '4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51r';
/** Above 2^53: JSON.parse would make it 5741311803571721000. */
const TOKEN = '5741311803571721087';

function viber(overrides: Partial<OutboundMessage<'viber'>> = {}): OutboundMessage<'viber'> {
  return {
    messageId: 'msg-0009',
    organizationId: 'org-1',
    channel: 'viber',
    to: '01234567890A=',
    locale: 'ka',
    content: { text: 'გამარჯობა, ნინო! გვენატრებით.', buttonText: 'გვითხარით რატომ', buttonUrl: 'https://comeback.example/f/msg-0009?lang=ka' },
    ...overrides,
  };
}

/** Viber's answer, written by hand so the token keeps all its digits (as Viber's own JSON does). */
function accepted(token = TOKEN): FakeReply {
  return { status: 200, body: `{"status":0,"status_message":"ok","message_token":${token},"chat_hostname":"SN-CHAT-04_"}`, headers: { 'Content-Type': 'application/json' } };
}

function refused(status: number, statusMessage: string): FakeReply {
  return { status: 200, body: { status, status_message: statusMessage } };
}

describe('ViberProvider', () => {
  let api: FakeHttpApi;
  let provider: ViberProvider;

  beforeAll(async () => {
    api = await FakeHttpApi.start();
    provider = new ViberProvider({ authToken: AUTH_TOKEN, senderName: 'Salon Rose', senderAvatar: 'https://salon-rose.example/avatar.jpg', apiBaseUrl: api.baseUrl });
  });
  afterEach(() => api.verify());
  afterAll(() => api.close());

  /** Expects one well-formed send_message call and answers with `reply`. */
  function expectSend(reply: FakeReply | typeof NEVER_ANSWER, check: (body: unknown) => void = () => undefined): void {
    api.expectRequest((request) => {
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/send_message');
      expect(request.headers['x-viber-auth-token']).toBe(AUTH_TOKEN);
      expect(request.headers['content-type']).toBe('application/json');
      check(JSON.parse(request.body));
      return reply;
    });
  }

  it('posts the text with one open-url button, our id as tracking data, and keeps every digit of the token', async () => {
    expectSend(accepted(), (body) => {
      expect(body).toEqual({
        receiver: '01234567890A=',
        min_api_version: 7,
        sender: { name: 'Salon Rose', avatar: 'https://salon-rose.example/avatar.jpg' },
        tracking_data: 'msg-0009',
        type: 'text',
        text: 'გამარჯობა, ნინო! გვენატრებით.',
        keyboard: {
          Type: 'keyboard',
          DefaultHeight: false,
          Buttons: [{ ActionType: 'open-url', ActionBody: 'https://comeback.example/f/msg-0009?lang=ka', Text: 'გვითხარით რატომ', Columns: 6, Rows: 1 }],
        },
      });
    });
    const receipt = await provider.send(viber());
    expect(receipt.providerMessageId).toBe(TOKEN);
    expect(String(JSON.parse(TOKEN))).not.toBe(TOKEN); // what a plain JSON.parse would have recorded
  });

  it('leaves the avatar out when there is none', async () => {
    const plain = new ViberProvider({ authToken: AUTH_TOKEN, senderName: 'Salon Rose', apiBaseUrl: api.baseUrl });
    expectSend(accepted('42'), (body) => {
      expect((body as { sender: unknown }).sender).toEqual({ name: 'Salon Rose' });
    });
    await expect(plain.send(viber())).resolves.toEqual({ providerMessageId: '42' });
  });

  it.each([
    [5, 'receiverNotRegistered'],
    [6, 'receiverNotSubscribed'],
    [7, 'publicAccountBlocked'],
    [2, 'invalidAuthToken'],
    [3, 'badData'],
    [11, 'receiverNoSuitableDevice'],
    [24, 'noBalance'],
  ])('status %i (%s) is permanent', async (status, statusMessage) => {
    expectSend(refused(status, statusMessage));
    const failure = await provider.send(viber()).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ kind: 'permanent', code: `viber-${status}`, message: expect.stringContaining(statusMessage) });
  });

  it.each([
    [12, 'tooManyRequests'],
    [99, 'generalError'],
  ])('status %i (%s) is transient', async (status, statusMessage) => {
    expectSend(refused(status, statusMessage));
    await expect(provider.send(viber())).rejects.toMatchObject({ kind: 'transient', code: `viber-${status}` });
  });

  it.each([500, 502, 429])('HTTP %i is transient', async (httpStatus) => {
    expectSend({ status: httpStatus, body: 'upstream trouble' });
    await expect(provider.send(viber())).rejects.toMatchObject({ kind: 'transient', code: `http-${httpStatus}` });
  });

  it('HTTP 404 (a wrong API URL) is permanent', async () => {
    expectSend({ status: 404, body: 'Not Found' });
    await expect(provider.send(viber())).rejects.toMatchObject({ kind: 'permanent', code: 'http-404' });
  });

  it('an answer that is not JSON is transient', async () => {
    expectSend({ status: 200, body: '<html>captive portal</html>' });
    await expect(provider.send(viber())).rejects.toMatchObject({ kind: 'transient', code: 'bad-response' });
  });

  it('a server that never answers times out as transient', async () => {
    const impatient = new ViberProvider({ authToken: AUTH_TOKEN, senderName: 'Salon Rose', apiBaseUrl: api.baseUrl, timeoutMs: 200 });
    expectSend(NEVER_ANSWER);
    const started = Date.now();
    await expect(impatient.send(viber())).rejects.toMatchObject({ kind: 'transient', code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a refused connection is transient', async () => {
    const nowhere = new ViberProvider({ authToken: AUTH_TOKEN, senderName: 'Salon Rose', apiBaseUrl: `http://127.0.0.1:${await closedPort()}` });
    await expect(nowhere.send(viber())).rejects.toMatchObject({ kind: 'transient', code: 'network' });
  });

  it('refuses a sender name Viber would reject', () => {
    expect(() => new ViberProvider({ authToken: AUTH_TOKEN, senderName: 'A salon name far longer than 28' })).toThrow(/28/);
  });

  it('cannot look a message up by our id', async () => {
    await expect(provider.lookup()).resolves.toBeUndefined();
  });
});

describe('messageToken', () => {
  it('takes the digits from the raw text when they are the parsed number', () => {
    const raw = `{"status":0,"message_token": ${TOKEN}\n}`;
    expect(messageToken(raw, JSON.parse(raw).message_token)).toBe(TOKEN);
  });

  it('ignores a look-alike inside a string value', () => {
    const raw = `{"status":0,"status_message":"ok \\"message_token\\":1,","message_token":${TOKEN}}`;
    expect(messageToken(raw, JSON.parse(raw).message_token)).toBe(TOKEN);
  });

  it('keeps a token sent as a string, and has none when there is none', () => {
    expect(messageToken('{"message_token":"abc"}', 'abc')).toBe('abc');
    expect(messageToken('{"status":0}', undefined)).toBeUndefined();
  });
});
