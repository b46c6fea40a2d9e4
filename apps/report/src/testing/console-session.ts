import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

/** The CSRF token a console page's forms carry (its `_csrf` hidden field); '' when it has none. */
export const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** The cookies an answer sets, as its Set-Cookie lines (with their attributes). */
export const cookiesOf = (res: request.Response): string[] => ([] as string[]).concat(res.headers['set-cookie'] ?? []);

/** The session cookie an answer sets, as `cb_session=…` (no attributes), if it sets one. */
export const sessionCookieOf = (res: request.Response): string | undefined => cookiesOf(res).find((c) => c.startsWith('cb_session='))?.split(';')[0];

export interface SignInOptions {
  /** The console page to go back to after signing in; the page `consoleSession` reads its CSRF token from. */
  next?: string;
  /** Sent as X-Forwarded-For on both requests (an app with TRUST_PROXY counts rate limits per this address). */
  ip?: string;
}

/** A signed-in console browser: its session cookie and the CSRF token its pages carry. */
export interface ConsoleSession {
  cookie: string;
  csrf: string;
}

/**
 * Posts the console's sign-in form as a browser does: GET /console/login for the login CSRF cookie
 * (`cb_login_csrf`) and the form's `_csrf` token, then POST the form with both. Answers the POST as
 * it came, whatever it is (303 with a session, 401, 429...).
 */
export async function postSignIn(app: INestApplication, email: string, password: string, o: SignInOptions = {}): Promise<request.Response> {
  const http = () => request(app.getHttpServer());
  const forwarded: Record<string, string> = o.ip === undefined ? {} : { 'X-Forwarded-For': o.ip };
  const form = await http().get('/console/login').set(forwarded).expect(200);
  const loginCookie = cookiesOf(form).find((c) => c.startsWith('cb_login_csrf='))!.split(';')[0];
  return http()
    .post('/console/login')
    .set('Cookie', loginCookie)
    .set(forwarded)
    .type('form')
    .send({ email, password, _csrf: csrfOf(form.text), next: o.next ?? '/console/lost-clients' });
}

/** Signs in through the sign-in form; the session cookie (`cb_session=…`). Throws unless the sign-in succeeds (303 with a session). */
export async function signIn(app: INestApplication, email: string, password: string, o: SignInOptions = {}): Promise<string> {
  const res = await postSignIn(app, email, password, o);
  const cookie = sessionCookieOf(res);
  if (res.status !== 303 || !cookie) throw new Error(`signing in as ${email} answered ${res.status}${cookie ? '' : ' without a session'}`);
  return cookie;
}

/** Signs in (as `signIn`), then opens the page it went back to (`next`, 200) for the CSRF token its forms carry. */
export async function consoleSession(app: INestApplication, email: string, password: string, o: SignInOptions = {}): Promise<ConsoleSession> {
  const cookie = await signIn(app, email, password, o);
  const page = await request(app.getHttpServer())
    .get(o.next ?? '/console/lost-clients')
    .set('Cookie', cookie)
    .expect(200);
  return { cookie, csrf: csrfOf(page.text) };
}
