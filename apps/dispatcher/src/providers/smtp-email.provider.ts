import { createTransport, type NodemailerError, type SendMailOptions, type Transporter } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { ProviderError, type ChannelProvider, type OutboundMessage, type SendReceipt } from './channel-provider';

export interface SmtpEmailProviderOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); false means plain, upgraded with STARTTLS when offered. */
  secure: boolean;
  auth?: { user: string; pass: string };
  /** Refuse to send unless the server upgrades with STARTTLS (for `secure: false`). */
  requireTls?: boolean;
  /** The From header, `"Salon Nino" <hello@salon.example>` or a bare address; its domain names our Message-IDs. */
  from: string;
  /** Connections the pool keeps open at most (nodemailer's default: 5). */
  maxConnections?: number;
  /** Connecting, the greeting, and any silence mid-conversation. Default 30 s. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Nodemailer codes of failures that ended or never opened the connection (nothing was refused):
 * the same message can go through on another attempt.
 */
const CONNECTION_FAILURES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL', 'EPROXY', 'EMAXLIMIT', 'EABORT']);

/**
 * E-mail over a pooled SMTP connection: one multipart/alternative message (text and HTML) per
 * send, with the RFC 8058 one-click unsubscribe headers and a Message-ID that carries our id, so
 * bounces and replies can be traced back to the message row.
 */
export class SmtpEmailProvider implements ChannelProvider<'email'> {
  readonly name = 'smtp';
  readonly reportsDelivery = false;
  readonly channel = 'email' as const;
  private readonly transport: Transporter;
  private readonly messageIdDomain: string;

  constructor(private readonly options: SmtpEmailProviderOptions) {
    this.messageIdDomain = senderDomain(options.from);
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.transport = createTransport({
      pool: true,
      host: options.host,
      port: options.port,
      secure: options.secure,
      requireTLS: options.requireTls ?? false,
      ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
      ...(options.maxConnections ? { maxConnections: options.maxConnections } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  async send(message: OutboundMessage<'email'>): Promise<SendReceipt> {
    const messageId = this.messageIdFor(message.messageId);
    const mail: SendMailOptions = {
      from: this.options.from,
      to: message.to,
      subject: message.content.subject,
      text: message.content.text,
      html: message.content.html,
      messageId,
      headers: { 'X-Comeback-Message-ID': message.messageId, ...unsubscribeHeaders(message.unsubscribeUrl) },
    };
    try {
      await this.transport.sendMail(mail);
    } catch (err) {
      throw smtpProviderError(err);
    }
    return { providerMessageId: messageId };
  }

  /**
   * Always "cannot tell": SMTP has no way to ask a server whether it already took a message.
   * A message left in doubt waits for a bounce (which quotes our Message-ID) or for staff.
   */
  async lookup(): Promise<undefined> {
    return undefined;
  }

  /** Closes the pooled connections (QUIT on idle ones). */
  async close(): Promise<void> {
    this.transport.close();
  }

  /** `<{our id}@{sender's domain}>`: unique per message, and recognisable in bounces. */
  private messageIdFor(messageId: string): string {
    // Message-ID's left part is a dot-atom; our ids (UUIDs) already are one.
    return `<${messageId.replace(/[^A-Za-z0-9._-]/g, '-')}@${this.messageIdDomain}>`;
  }
}

function senderDomain(from: string): string {
  const [sender] = addressparser(from, { flatten: true });
  const domain = sender?.address.split('@')[1];
  if (!domain) throw new Error(`SMTP e-mail provider: from ${JSON.stringify(from)} is not an e-mail address`);
  return domain.toLowerCase();
}

/**
 * RFC 2369 List-Unsubscribe, plus RFC 8058 List-Unsubscribe-Post when the URL is HTTPS (the RFC
 * allows one-click only over HTTPS; mailbox providers POST to it without the user opening it).
 * The values are passed as prepared (not re-encoded or folded), so the URL arrives byte for byte;
 * the WHATWG serialisation guarantees it holds no spaces, line breaks or angle brackets.
 */
function unsubscribeHeaders(unsubscribeUrl: string | undefined): Record<string, { prepared: true; value: string }> {
  if (!unsubscribeUrl) return {};
  let url: URL;
  try {
    url = new URL(unsubscribeUrl);
  } catch {
    throw new ProviderError('permanent', 'bad-unsubscribe-url', `The unsubscribe URL ${JSON.stringify(unsubscribeUrl)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ProviderError('permanent', 'bad-unsubscribe-url', `The unsubscribe URL must be http(s), not ${url.protocol}`);
  }
  const headers: Record<string, { prepared: true; value: string }> = { 'List-Unsubscribe': { prepared: true, value: `<${url.href}>` } };
  if (url.protocol === 'https:') headers['List-Unsubscribe-Post'] = { prepared: true, value: 'List-Unsubscribe=One-Click' };
  return headers;
}

/**
 * SMTP reply codes decide where they exist (RFC 5321): 5yz refuses this message for good, 4yz
 * asks to try later. 503 (bad sequence of commands) is the exception: it is about the session's
 * state, not the message, so a new connection can succeed. Without a reply, a broken or timed
 * out connection is worth retrying; anything else (an address nodemailer cannot use, a
 * credentials problem found before talking) is not.
 */
export function smtpProviderError(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const failure = err as NodemailerError;
  const reply = failure?.response ?? failure?.message ?? String(err);
  if (typeof failure?.responseCode === 'number') {
    const permanent = failure.responseCode >= 500 && failure.responseCode !== 503;
    return new ProviderError(permanent ? 'permanent' : 'transient', `smtp-${failure.responseCode}`, `The mail server refused the message: ${reply}`);
  }
  if (failure?.code === 'ETIMEDOUT') {
    return new ProviderError('transient', 'timeout', `The mail server did not answer in time: ${failure.message}`);
  }
  if (failure?.code && (CONNECTION_FAILURES.has(failure.code) || failure.errno !== undefined)) {
    return new ProviderError('transient', 'network', `Could not talk to the mail server: ${failure.message}`);
  }
  const code = failure?.code === 'EAUTH' || failure?.code === 'ENOAUTH' ? 'smtp-auth' : 'smtp-client';
  return new ProviderError('permanent', code, `The e-mail could not be sent: ${failure?.message ?? String(err)}`);
}
