const NEEDS_QUOTING = /[",\r\n]/;

/** One CSV field per RFC 4180: quoted only when it holds a comma, a double quote, CR or LF; inner quotes doubled. */
export function csvField(value: string): string {
  return NEEDS_QUOTING.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * A text field for a CSV a person will open in a spreadsheet: a value that starts like a formula
 * (=, +, -, @, tab, CR) gets a leading apostrophe, so a client named "=HYPERLINK(...)" stays text
 * (OWASP's CSV injection advice). Numbers are written by the caller as numbers, not through this.
 */
export function spreadsheetTextField(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return csvField(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
}

/** One CSV line (CRLF, as RFC 4180 says) from fields already encoded. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.join(',')}\r\n`;
}
