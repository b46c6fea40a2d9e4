import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `X-Twilio-Signature` as Twilio computes it (its documented algorithm, the one the `twilio` SDK's
 * getExpectedTwilioSignature implements): the full URL Twilio called, followed by every POST
 * parameter sorted by name, each name immediately followed by its value (a repeated parameter:
 * each distinct value, sorted), HMAC-SHA1 with the account's auth token, base64.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, unknown>): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name];
    if (Array.isArray(value)) {
      for (const v of [...new Set(value.map(String))].sort()) data += name + v;
    } else {
      data += name + String(value);
    }
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Whether `signature` is Twilio's for this request: the HMAC is computed once, over the exact
 * public URL (`url` is PUBLIC_BASE_URL + the path and query, which is what Twilio was given and
 * signs), and compared in constant time. The SDK's validateRequest computes it at least twice (the
 * URL with and without a port) and more for a signature that does not match.
 */
export function isTwilioSignature(authToken: string, signature: string, url: string, params: Record<string, unknown>): boolean {
  const expected = Buffer.from(twilioSignature(authToken, url, params), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // The length of a base64 HMAC-SHA1 is fixed and public: comparing it first leaks nothing.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
