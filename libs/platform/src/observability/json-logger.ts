import type { LoggerService, LogLevel } from '@nestjs/common';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import { currentCorrelation } from './correlation';

/** Nest's levels (LOG_LEVEL) as pino's. */
const PINO_LEVEL: Record<LogLevel, pino.Level> = { fatal: 'fatal', error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/**
 * Paths never written, whatever object a caller logs: credentials and signatures in headers,
 * passwords and tokens, and personal data (phone numbers, message bodies) under their usual names.
 */
export const REDACTED_PATHS = [
  'headers.authorization', 'headers.cookie', 'headers["set-cookie"]', 'headers["x-twilio-signature"]', 'headers["x-viber-content-signature"]', 'headers["x-api-key"]',
  '*.headers.authorization', '*.headers.cookie', '*.headers["x-twilio-signature"]', '*.headers["x-viber-content-signature"]',
  'password', 'token', 'secret', 'phone', 'to', 'from', 'body', 'Body', 'text',
  '*.password', '*.token', '*.secret', '*.phone', '*.to', '*.from', '*.body', '*.Body', '*.text',
];

/** E.164 numbers in a free-text message (a provider's error text often quotes the number). */
const PHONE_NUMBER = /\+[1-9]\d{7,14}\b/g;

/**
 * The apps' logger: pino writing one JSON object per line (time, level, app, context, message,
 * and the request's or job's correlation from AsyncLocalStorage), behind Nest's LoggerService so
 * every `new Logger(...)` in the code base writes through it unchanged.
 *
 * Why not nestjs-pino: it attaches its request logger as Express middleware (pino-http), which the
 * response collector's lean path (answered at the HTTP server, before Express) never reaches, and
 * BullMQ jobs have no request at all. One AsyncLocalStorage of our own, filled at the HTTP server
 * and around every job (see http-observer.ts, job-observer.ts), covers all three; pino's `mixin`
 * adds it to each line, which costs nothing for levels that are off.
 */
export class JsonLogger implements LoggerService {
  private readonly pino: Pino;

  constructor(app: string, level: LogLevel, destination?: DestinationStream) {
    const options: pino.LoggerOptions = {
      level: PINO_LEVEL[level],
      base: { app },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const c = currentCorrelation();
        return c ? { ...c } : {};
      },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    };
    // Errors to stderr and the rest to stdout, as Nest's console logger did (process supervisors
    // and the fault tests read stderr for why a process failed); each line goes to one of them.
    const streams = pino.multistream(
      [
        { level: 'trace', stream: pino.destination({ dest: 1, sync: true }) },
        { level: 'error', stream: pino.destination({ dest: 2, sync: true }) },
      ],
      { dedupe: true },
    );
    this.pino = pino(options, destination ?? streams);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Whether a level would be written (callers skip building costly messages otherwise). */
  isEnabled(level: LogLevel): boolean {
    return this.pino.isLevelEnabled(PINO_LEVEL[level]);
  }

  /** The same for pino's level names (the HTTP observer checks before building its line). */
  isLevelEnabled(level: pino.Level): boolean {
    return this.pino.isLevelEnabled(level);
  }

  /** Writes one line with extra fields (HTTP access lines: method, route, status, duration). */
  write(level: pino.Level, message: unknown, params: unknown[] = [], fields: Record<string, unknown> = {}): void {
    if (!this.pino.isLevelEnabled(level)) return;
    // Nest calls with the context last: log(msg, context); error(msg, stack, context). A plain
    // object after the message adds its fields to the line: warn('redis connection lost', { connection }).
    const rest = [...params];
    const context = rest.length && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const stack = rest.length && typeof rest[0] === 'string' ? (rest.shift() as string) : undefined;
    const extra = rest.length && isPlainObject(rest[0]) ? (rest.shift() as Record<string, unknown>) : undefined;
    const line: Record<string, unknown> = { ...extra, ...fields };
    if (context) line.context = context;
    if (stack) line.stack = scrub(stack);
    if (message instanceof Error) {
      line.err = { type: message.name, message: scrub(message.message), stack: message.stack && scrub(message.stack) };
      this.pino[level](line, scrub(message.message));
    } else if (typeof message === 'object' && message !== null) {
      line.data = message;
      this.pino[level](line);
    } else {
      this.pino[level](line, scrub(String(message)));
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function scrub(text: string): string {
  return text.replace(PHONE_NUMBER, '+[number]');
}
