import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  subject: string;
  to: string;
  /** The List-Unsubscribe and List-Unsubscribe-Post header lines as received. */
  listHeaders: string[];
}

/** Where the demo's e-mail goes: Mailpit when it runs, else a small SMTP server of the demo's own. */
export interface DemoMailbox {
  kind: 'mailpit' | 'built-in';
  host: string;
  port: number;
  /** Where a person reads the mail: Mailpit's web page, or the folder of .eml files. */
  readAt: string;
  /** Messages received so far (built-in only; Mailpit counts its own). */
  received(): ReceivedMail[];
  close(): Promise<void>;
}

function smtpAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 500 });
    socket.once('data', (greeting) => {
      socket.destroy();
      resolve(greeting.toString().startsWith('220'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * The demo's mailbox. Mailpit (`docker compose up mailpit`, SMTP on 1025, web on 8025) is used when
 * it answers; otherwise the demo starts a real SMTP server (the `smtp-server` package) on
 * loopback that parses each message back and saves it as an .eml file, so the campaign's e-mail
 * goes through SMTP, headers and all, with nothing but Node installed.
 */
export async function startDemoMailbox(dir: string): Promise<DemoMailbox> {
  if (await smtpAnswers('127.0.0.1', 1025)) {
    return { kind: 'mailpit', host: '127.0.0.1', port: 1025, readAt: 'http://127.0.0.1:8025', received: () => [], close: async () => undefined };
  }
  mkdirSync(dir, { recursive: true });
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    // Loopback only, for the demo: no TLS to negotiate and no account to sign in with.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((mail) => {
            const n = received.length + 1;
            writeFileSync(join(dir, `${String(n).padStart(6, '0')}.eml`), raw);
            const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
            // Read from the raw header block: mailparser folds List-* headers into one structure.
            const head = raw.toString('utf8').split(/\r?\n\r?\n/, 1)[0].replace(/\r?\n[ \t]+/g, ' ');
            const listHeaders = head.split(/\r?\n/).filter((line) => /^List-Unsubscribe(-Post)?:/i.test(line));
            received.push({ subject: mail.subject ?? '', to, listHeaders });
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client going away mid-connection (the dispatcher's pooled connections when it stops) is an
  // 'error' of the server; without a listener it would bring the whole demo down.
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') console.error(`demo mailbox: ${err.message}`);
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    kind: 'built-in', host: '127.0.0.1', port, readAt: dir, received: () => received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
