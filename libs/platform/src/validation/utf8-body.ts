import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';

/** The answer to a body that is not UTF-8: what is wrong, for the client. */
export const NOT_UTF8_MESSAGE = 'the request body is not valid UTF-8';

/**
 * Whether a form body (application/x-www-form-urlencoded) is UTF-8: its bytes, and the bytes its
 * percent-escapes stand for (`%E9` alone is Latin-1 é, not UTF-8). A parser takes either without
 * complaint, as U+FFFD or as the literal text `%E9`, and a client's name would be stored mangled.
 */
export function isUtf8Form(raw: Buffer): boolean {
  return isUtf8(raw) && (!raw.includes(0x25) || isUtf8(percentDecoded(raw)));
}

const hexValue = (byte: number): number =>
  byte >= 0x30 && byte <= 0x39 ? byte - 0x30 : byte >= 0x41 && byte <= 0x46 ? byte - 0x37 : byte >= 0x61 && byte <= 0x66 ? byte - 0x57 : -1;

/** The bytes a form body stands for: each `%XX` replaced by its byte (a `%` not followed by two hex digits stays, as the parser leaves it). */
function percentDecoded(raw: Buffer): Buffer {
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const hi = raw[i] === 0x25 && i + 2 < raw.length ? hexValue(raw[i + 1]) : -1;
    const lo = hi === -1 ? -1 : hexValue(raw[i + 2]);
    if (lo !== -1) {
      out[n++] = hi * 16 + lo;
      i += 2;
    } else out[n++] = raw[i];
  }
  return out.subarray(0, n);
}

/** An error body-parser passes on as a 400 with this message (its `verify` hook: status and expose). */
function notUtf8(): Error {
  return Object.assign(new Error(NOT_UTF8_MESSAGE), { status: 400, statusCode: 400, expose: true, type: 'encoding.not-utf8' });
}

/**
 * body-parser `verify` hooks refusing a body that is not UTF-8 (JSON's bytes; a form's bytes and
 * escapes), and keeping the raw bytes as `req.rawBody` when the app asked for them (Nest's own
 * rawBody hook would replace this one, so the app keeps them here instead).
 */
export function utf8BodyVerifier(kind: 'json' | 'form', keepRawBody: boolean) {
  return (req: IncomingMessage & { rawBody?: Buffer }, _res: unknown, raw: Buffer): void => {
    if (!(kind === 'form' ? isUtf8Form(raw) : isUtf8(raw))) throw notUtf8();
    if (keepRawBody) req.rawBody = raw;
  };
}
