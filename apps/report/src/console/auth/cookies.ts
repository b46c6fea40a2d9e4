import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'cb_session';
export const LOGIN_CSRF_COOKIE = 'cb_login_csrf';
export const LOCALE_COOKIE = 'cb_lang';

/** One cookie's value from the Cookie header (the console needs three; no parser library for that). */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Console cookies: HttpOnly (scripts never see the session), SameSite=Lax (other sites' forms do
 * not carry it), Secure when served over HTTPS in production, scoped to the console.
 */
export function setConsoleCookie(res: Response, name: string, value: string, opts: { secure: boolean; maxAgeMs?: number; httpOnly?: boolean }): void {
  res.cookie(name, value, {
    httpOnly: opts.httpOnly ?? true,
    sameSite: 'lax',
    secure: opts.secure,
    path: '/console',
    ...(opts.maxAgeMs !== undefined ? { maxAge: opts.maxAgeMs } : {}),
  });
}

export function clearConsoleCookie(res: Response, name: string, secure: boolean): void {
  res.clearCookie(name, { httpOnly: true, sameSite: 'lax', secure, path: '/console' });
}
