export const CONSOLE_OPTIONS = Symbol('CONSOLE_OPTIONS');

export interface ConsoleOptions {
  /** Mark cookies Secure (HTTPS only): on in production, off on a developer's http://localhost. */
  secureCookies: boolean;
}
