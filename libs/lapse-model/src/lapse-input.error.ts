import path from 'node:path';

/**
 * Input the user must fix: a bad transactions or summary file, or a bad option. File problems name
 * the file, the line (1 = the header) and the column, so the message alone says where to look:
 *   transactions.csv line 17, column "date": "2024-13-01" is not a date (YYYY-MM-DD)
 */
export class LapseInputError extends Error {
  readonly code = 'LAPSE_INPUT';

  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly column?: string,
  ) {
    super(message);
    this.name = 'LapseInputError';
  }

  /** A problem at one place in a file; `column` is omitted for problems with the whole line. */
  static at(file: string, line: number, column: string | undefined, problem: string): LapseInputError {
    const where = column === undefined ? `${path.basename(file)} line ${line}` : `${path.basename(file)} line ${line}, column "${column}"`;
    return new LapseInputError(`${where}: ${problem}`, file, line, column);
  }
}
