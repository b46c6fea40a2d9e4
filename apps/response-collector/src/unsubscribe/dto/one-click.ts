/**
 * Whether a POST to /u/:token is a mail provider's RFC 8058 one-click unsubscribe rather than a
 * person pressing the page's button. RFC 8058 §3.2: the body is `List-Unsubscribe=One-Click`,
 * sent as multipart/form-data (SHOULD) or application/x-www-form-urlencoded (MAY). The page's
 * own form is url-encoded and has no such field. A multipart body is not parsed here (no field
 * of it is needed): its content type alone marks the machine call.
 */
export function isOneClick(contentType: string | undefined, body: unknown): boolean {
  if ((contentType ?? '').toLowerCase().startsWith('multipart/form-data')) return true;
  return body !== null && typeof body === 'object' && (body as Record<string, unknown>)['List-Unsubscribe'] === 'One-Click';
}
