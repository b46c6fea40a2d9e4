import type { IncomingMessage } from 'node:http';
import { parse as parseForm } from 'node:querystring';
import { isUtf8Form } from '@comeback/platform';

/** The largest form the lean path reads: the app's form body limit (formBodyLimit). */
export const LEAN_FORM_LIMIT = 64 * 1024;
/** Body-parser's parameterLimit as the app sets it: more fields than this is not a form of ours. */
export const LEAN_FORM_FIELDS = 2000;

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * Whether a request is a plain form post the lean path may read itself: urlencoded UTF-8, not
 * compressed, with a Content-Length within the limit (Node holds the body to it). Anything else
 * (chunked, gzip, another charset, too large) is left unread for Express's body parser, which
 * knows all of that and answers the errors.
 */
export function isPlainForm(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  const length = Number(req.headers['content-length']);
  const encoding = req.headers['content-encoding'];
  return typeof type === 'string' && FORM_TYPE.test(type) && Number.isInteger(length) && length > 0 && length <= LEAN_FORM_LIMIT && (!encoding || encoding === 'identity');
}

/** A form as read: its fields (flat, as the app's body parser gives them) and its bytes. */
export interface ReadForm {
  fields: Record<string, string | string[]>;
  raw: Buffer;
}

/**
 * Reads a plain form's body (isPlainForm) and parses it flat, as the app's body parser does
 * (urlencoded, extended: false: a repeated field is an array, brackets are part of a name).
 * 'too-many' when it has more fields than LEAN_FORM_FIELDS (the body parser's 413); 'not-utf8' when
 * its bytes or escapes are not UTF-8 (the body parser's 400); null when the
 * client went away before the end.
 */
export function readForm(req: IncomingMessage): Promise<ReadForm | 'too-many' | 'not-utf8' | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => resolve(null));
    req.on('aborted', () => resolve(null));
    req.on('end', () => {
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      // As the app's body parser: bytes or escapes that are not UTF-8 are refused, not stored mangled.
      if (!isUtf8Form(raw)) return resolve('not-utf8');
      const text = raw.toString('utf8');
      let fields = 1;
      for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) if (++fields > LEAN_FORM_FIELDS) return resolve('too-many');
      resolve({ fields: parseForm(text, '&', '=', { maxKeys: 0 }) as Record<string, string | string[]>, raw });
    });
  });
}
