/**
 * The console's own errors, each with a code the exception filter maps to a status and a page
 * (or JSON for scripts): one place decides what a person sees.
 */
export const CONSOLE_ERRORS = {
  SIGN_IN_REQUIRED: 401,
  FORBIDDEN: 403,
  CSRF_REJECTED: 403,
  NOT_FOUND: 404,
  INVALID_INPUT: 400,
  /** The thing changed under the person's feet (someone else took or recorded it). */
  CONFLICT: 409,
} as const;

export type ConsoleErrorCode = keyof typeof CONSOLE_ERRORS;

/**
 * The detail as a message of the console's catalogs: its key and parameters, and the key of the
 * field's name, filled in as `{field}`. Pages show it in the viewer's language; JSON keeps `detail`.
 */
export interface ConsoleMessage {
  key: string;
  params?: Record<string, unknown>;
  fieldName?: string;
}

export class ConsoleError extends Error {
  constructor(
    readonly code: ConsoleErrorCode,
    /** What is wrong, for a person: shown on the page and in the JSON body. */
    readonly detail?: string,
    /** The input field at fault, when there is one. */
    readonly field?: string,
    /** The detail in the console's catalogs, for the page (in the viewer's language). */
    readonly translated?: ConsoleMessage,
  ) {
    super(detail ?? code);
    this.name = 'ConsoleError';
  }

  get status(): number {
    return CONSOLE_ERRORS[this.code];
  }
}
