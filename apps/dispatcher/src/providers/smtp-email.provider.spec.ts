import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { ProviderError, type OutboundMessage } from './channel-provider';
import { SmtpEmailProvider, type SmtpEmailProviderOptions } from './smtp-email.provider';
import { closedPort } from './testing/fake-http-api';

const USER = 'salon-rose';
const PASS = 'smtp-secret-9c2e';
const FROM = '"Salon Rose" <hello@salon-rose.example>';
const UNSUBSCRIBE_URL = 'https://comeback.example/u/msg-0003?sig=AbC123_-';

interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  raw: string;
}

/** A recipient whose RCPT TO the server refuses with the given reply. */
const REFUSALS: Record<string, { code: number; text: string }> = {
  'gone@client.example': { code: 550, text: '5.1.1 Mailbox unavailable' },
  'bad@client.example': { code: 553, text: '5.1.3 Mailbox name not allowed' },
  'busy@client.example': { code: 451, text: '4.3.2 Try again later' },
};

function smtpReply(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

function email(overrides: Partial<OutboundMessage<'email'>> = {}): OutboundMessage<'email'> {
  return {
    messageId: 'msg-0003',
    organizationId: 'org-1',
    channel: 'email',
    to: 'nino@client.example',
    locale: 'ka',
    content: {
      subject: 'გამარჯობა, ნინო',
      html: '<p>გვენატრებით! <a href="https://comeback.example/f/msg-0003">გვითხარით რატომ</a></p>',
      text: 'გვენატრებით! გვითხარით რატომ: https://comeback.example/f/msg-0003',
    },
    unsubscribeUrl: UNSUBSCRIBE_URL,
    ...overrides,
  };
}

/** The raw header lines of a message (unfolded), for checks on exactly what was written. */
function headerLines(raw: string): string[] {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  return head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
}

describe('SmtpEmailProvider', () => {
  let server: SMTPServer;
  let port: number;
  const received: ReceivedMail[] = [];
  let connections = 0;
  let openConnections = 0;
  const providers: SmtpEmailProvider[] = [];

  function provider(overrides: Partial<SmtpEmailProviderOptions> = {}): SmtpEmailProvider {
    const created = new SmtpEmailProvider({ host: '127.0.0.1', port, secure: false, auth: { user: USER, pass: PASS }, from: FROM, ...overrides });
    providers.push(created);
    return created;
  }

  beforeAll(async () => {
    server = new SMTPServer({
      logger: false,
      // Plain SMTP on loopback: no certificate to trust, and AUTH still checked below.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      closeTimeout: 1000,
      onConnect(_session, callback) {
        connections += 1;
        openConnections += 1;
        callback();
      },
      onClose() {
        openConnections -= 1;
      },
      onAuth(auth, _session, callback) {
        if (auth.username === USER && auth.password === PASS) return callback(null, { user: USER });
        callback(smtpReply(535, '5.7.8 Authentication credentials invalid'));
      },
      onMailFrom(_address, session, callback) {
        callback(session.user === USER ? null : smtpReply(530, '5.7.0 Authentication required'));
      },
      onRcptTo(address, _session, callback) {
        const refusal = REFUSALS[address.address];
        callback(refusal ? smtpReply(refusal.code, refusal.text) : null);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });

  beforeEach(() => {
    received.length = 0;
  });

  afterAll(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await new Promise<void>((resolve) => server.close(resolve));
  });

  it('sends one multipart/alternative message with a UTF-8 subject, both parts, the unsubscribe headers and our Message-ID', async () => {
    const receipt = await provider().send(email());

    expect(received).toHaveLength(1);
    const [mail] = received;
    expect(mail.mailFrom).toBe('hello@salon-rose.example');
    expect(mail.rcptTo).toEqual(['nino@client.example']);
    // Every non-ASCII byte is MIME-encoded: the message travels as 7-bit text.
    expect(mail.raw).toMatch(/^[\x00-\x7f]*$/);

    const lines = headerLines(mail.raw);
    expect(lines).toContain(`List-Unsubscribe: <${UNSUBSCRIBE_URL}>`);
    expect(lines).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(lines).toContain('X-Comeback-Message-ID: msg-0003');
    expect(lines).toContain('Message-ID: <msg-0003@salon-rose.example>');
    expect(lines.find((line) => line.startsWith('Subject: '))).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/i);
    expect(lines.find((line) => line.startsWith('Content-Type: '))).toMatch(/^Content-Type: multipart\/alternative;/);

    const parsed = await simpleParser(mail.raw);
    expect(parsed.from?.value).toEqual([{ address: 'hello@salon-rose.example', name: 'Salon Rose' }]);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value : parsed.to).toEqual([{ address: 'nino@client.example', name: '' }]);
    expect(parsed.subject).toBe('გამარჯობა, ნინო');
    expect(parsed.text?.trim()).toBe(email().content.text);
    expect(parsed.html).toBe(email().content.html);
    expect(parsed.messageId).toBe('<msg-0003@salon-rose.example>');
    expect(receipt).toEqual({ providerMessageId: '<msg-0003@salon-rose.example>' });
  });

  it('adds List-Unsubscribe without one-click for a plain http URL, and neither without a URL', async () => {
    const sender = provider();
    await sender.send(email({ messageId: 'msg-0004', unsubscribeUrl: 'http://localhost:3000/u/msg-0004' }));
    await sender.send(email({ messageId: 'msg-0005', unsubscribeUrl: undefined }));

    expect(received).toHaveLength(2);
    const [withHttp, without] = received.map((mail) => headerLines(mail.raw));
    expect(withHttp).toContain('List-Unsubscribe: <http://localhost:3000/u/msg-0004>');
    expect(withHttp.some((line) => line.startsWith('List-Unsubscribe-Post:'))).toBe(false);
    expect(without.some((line) => line.startsWith('List-Unsubscribe'))).toBe(false);
    expect(without).toContain('Message-ID: <msg-0005@salon-rose.example>');
  });

  it('refuses an unsubscribe URL that is not one, without sending', async () => {
    await expect(provider().send(email({ unsubscribeUrl: 'not a url' }))).rejects.toMatchObject({ kind: 'permanent', code: 'bad-unsubscribe-url' });
    expect(received).toHaveLength(0);
  });

  it('keeps one pooled connection for consecutive messages and closes it on close()', async () => {
    const pooled = provider({ maxConnections: 1 });
    const before = connections;
    for (const id of ['msg-0006', 'msg-0007', 'msg-0008']) await pooled.send(email({ messageId: id }));
    expect(received).toHaveLength(3);
    expect(connections - before).toBe(1);

    const openBefore = openConnections;
    await pooled.close();
    const deadline = Date.now() + 3000;
    while (openConnections === openBefore && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(openConnections).toBe(openBefore - 1);
  });

  it.each([
    ['gone@client.example', 'smtp-550'],
    ['bad@client.example', 'smtp-553'],
  ])('a %s refused with 5xx at RCPT is permanent (%s)', async (to, code) => {
    const failure = await provider().send(email({ to })).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(ProviderError);
    expect(failure).toMatchObject({ kind: 'permanent', code });
    expect(received).toHaveLength(0);
  });

  it('a 451 at RCPT is transient', async () => {
    await expect(provider().send(email({ to: 'busy@client.example' }))).rejects.toMatchObject({ kind: 'transient', code: 'smtp-451', message: expect.stringContaining('Try again later') });
  });

  it('wrong credentials are permanent (535)', async () => {
    await expect(provider({ auth: { user: USER, pass: 'wrong' } }).send(email())).rejects.toMatchObject({ kind: 'permanent', code: 'smtp-535' });
    expect(received).toHaveLength(0);
  });

  it('a refused connection is transient', async () => {
    await expect(provider({ port: await closedPort() }).send(email())).rejects.toMatchObject({ kind: 'transient', code: 'network' });
  });

  describe('with a server that accepts the connection but never greets', () => {
    let silent: TcpServer;
    const sockets: Socket[] = [];

    beforeAll(async () => {
      silent = createTcpServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it('times out as transient', async () => {
      const started = Date.now();
      const slow = provider({ port: (silent.address() as AddressInfo).port, timeoutMs: 300 });
      await expect(slow.send(email())).rejects.toMatchObject({ kind: 'transient', code: 'timeout' });
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  it('needs a From with a domain', () => {
    expect(() => new SmtpEmailProvider({ host: '127.0.0.1', port, secure: false, from: 'Salon Rose' })).toThrow(/not an e-mail address/);
  });

  it('cannot look a message up by our id', async () => {
    await expect(provider().lookup()).resolves.toBeUndefined();
  });
});
