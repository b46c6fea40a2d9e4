/** What is wrong with a template, for the editor to show next to the text and to translate by code. */
export type TemplateIssueCode =
  | 'invalid_channel'
  | 'invalid_locale'
  | 'missing_part'
  | 'unknown_part'
  | 'empty_part'
  | 'syntax'
  | 'unknown_variable'
  | 'misused_variable'
  | 'unknown_helper'
  | 'misused_helper'
  | 'invalid_argument'
  | 'missing_plural_form'
  | 'raw_output'
  | 'unsupported'
  | 'invalid_button_url'
  | 'invalid_language'
  | 'invalid_menu';

/**
 * One problem in one part. `line` and `column` are 1-based and count UTF-16 code units, as
 * JavaScript strings and browser editors do; a problem with the part as a whole (missing, empty,
 * a bad menu key) is at 1:1. `part` may also be `channel` or `locale` for the definition's fields.
 */
export interface TemplateIssue {
  part: string;
  line: number;
  column: number;
  code: TemplateIssueCode;
  message: string;
}

export type TemplateErrorCode = 'invalid_template' | 'invalid_render_options';

/** Thrown when rendering is asked of a template that does not validate, or with unusable options. */
export class TemplateError extends Error {
  constructor(
    readonly code: TemplateErrorCode,
    message: string,
    readonly issues: readonly TemplateIssue[] = [],
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}
