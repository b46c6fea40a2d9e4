/**
 * `comeback lapse fit | score | holdout`: the lapse models run on files, for an analyst trying
 * them on a business's history before (or instead of) the nightly sweep. No database, no
 * configuration: everything comes from the files and options.
 */
import type { Command } from 'commander';
import {
  type BgNbdSummaries,
  type BgNbdThresholds,
  type CadenceSettings,
  type ClientHistories,
  DEFAULT_BGNBD_THRESHOLDS,
  DEFAULT_CADENCE_SETTINGS,
  fitBgNbd,
  formatIsoDay,
  holdoutComparison,
  LapseInputError,
  type LapseMethod,
  parseIsoDay,
  readSummaryCsv,
  readTransactions,
  scoreBgNbd,
  scoreClients,
  summariseAll,
  type TimeUnit,
  UNIT_DAYS,
} from '@comeback/lapse-model';

interface InputOptions {
  transactions?: string;
  summary?: string;
  calibrationEnd?: string;
  unit: string;
  idColumn?: string;
  dateColumn?: string;
}

interface ThresholdOptions {
  minVisits?: string;
  minTenureDays?: string;
  atRiskFactor?: string;
  lapsedFactor?: string;
  atRiskBelow?: string;
  lapsedBelow?: string;
}

type Input =
  | { kind: 'transactions'; file: string; histories: ClientHistories; calibrationEndDay: number; unit: TimeUnit }
  | { kind: 'summary'; file: string; ids: string[]; summaries: BgNbdSummaries; unit: TimeUnit };

function withInputOptions(command: Command): Command {
  return command
    .option('--transactions <file>', 'transactions CSV with a header: client_id, date (YYYY-MM-DD or ISO date-time), optional amount')
    .option('--summary <file>', 'per-client summary CSV: frequency, recency, T (optional ID or client_id); BG/NBD only')
    .option('--calibration-end <date>', 'with --transactions: the day to judge from (YYYY-MM-DD); later visits are ignored')
    .option('--unit <unit>', 'time unit of the BG/NBD summaries: week or day', 'week')
    .option('--id-column <name>', 'client id column of the transactions file', 'client_id')
    .option('--date-column <name>', 'date column of the transactions file', 'date');
}

function withThresholdOptions(command: Command): Command {
  const c = DEFAULT_CADENCE_SETTINGS;
  const b = DEFAULT_BGNBD_THRESHOLDS;
  return command
    .option('--min-visits <n>', `fewer distinct visit days than this: status new (default ${c.minVisits})`)
    .option('--min-tenure-days <n>', `first to last visit shorter than this: status new (default ${c.minTenureDays})`)
    .option('--at-risk-factor <x>', `cadence: at risk after this many usual gaps (default ${c.atRiskFactor})`)
    .option('--lapsed-factor <x>', `cadence: lapsed after this many usual gaps (default ${c.lapsedFactor})`)
    .option('--at-risk-below <p>', `bgnbd: at risk when P(alive) is below this (default ${b.atRiskBelow})`)
    .option('--lapsed-below <p>', `bgnbd: lapsed when P(alive) is below this (default ${b.lapsedBelow})`);
}

function parseDay(flag: string, text: string | undefined): number {
  if (text === undefined) throw new LapseInputError(`${flag} is required with --transactions (YYYY-MM-DD)`);
  const day = parseIsoDay(text.trim());
  if (day === null) throw new LapseInputError(`${flag}: ${JSON.stringify(text)} is not a date (YYYY-MM-DD)`);
  return day;
}

function parseUnit(text: string): TimeUnit {
  if (text === 'week' || text === 'day') return text;
  throw new LapseInputError(`--unit: ${JSON.stringify(text)} is not a unit; use week or day`);
}

function parseNumber(flag: string, text: string | undefined, fallback: number, check: (v: number) => boolean, expected: string): number {
  if (text === undefined) return fallback;
  const v = text.trim() === '' ? NaN : Number(text);
  if (!check(v)) throw new LapseInputError(`${flag}: ${JSON.stringify(text)} is not ${expected}`);
  return v;
}

function parseThresholds(o: ThresholdOptions): { cadence: CadenceSettings; thresholds: BgNbdThresholds } {
  const c = DEFAULT_CADENCE_SETTINGS;
  const b = DEFAULT_BGNBD_THRESHOLDS;
  const wholeAtLeast = (min: number) => (v: number) => Number.isInteger(v) && v >= min;
  const positive = (v: number) => Number.isFinite(v) && v > 0;
  const probability = (v: number) => v > 0 && v < 1;
  const cadence: CadenceSettings = {
    ...c,
    minVisits: parseNumber('--min-visits', o.minVisits, c.minVisits, wholeAtLeast(1), 'a whole number >= 1'),
    minTenureDays: parseNumber('--min-tenure-days', o.minTenureDays, c.minTenureDays, wholeAtLeast(0), 'a whole number of days >= 0'),
    atRiskFactor: parseNumber('--at-risk-factor', o.atRiskFactor, c.atRiskFactor, positive, 'a number > 0'),
    lapsedFactor: parseNumber('--lapsed-factor', o.lapsedFactor, c.lapsedFactor, positive, 'a number > 0'),
  };
  const thresholds: BgNbdThresholds = {
    atRiskBelow: parseNumber('--at-risk-below', o.atRiskBelow, b.atRiskBelow, probability, 'a probability between 0 and 1'),
    lapsedBelow: parseNumber('--lapsed-below', o.lapsedBelow, b.lapsedBelow, probability, 'a probability between 0 and 1'),
  };
  if (!(cadence.lapsedFactor > cadence.atRiskFactor)) throw new LapseInputError(`--lapsed-factor (${cadence.lapsedFactor}) must be greater than --at-risk-factor (${cadence.atRiskFactor})`);
  if (!(thresholds.lapsedBelow < thresholds.atRiskBelow)) throw new LapseInputError(`--lapsed-below (${thresholds.lapsedBelow}) must be less than --at-risk-below (${thresholds.atRiskBelow})`);
  return { cadence, thresholds };
}

async function readInput(o: InputOptions): Promise<Input> {
  const unit = parseUnit(o.unit);
  if (o.transactions && o.summary) throw new LapseInputError('give either --transactions or --summary, not both');
  if (o.summary) {
    if (o.calibrationEnd) throw new LapseInputError('--calibration-end goes with --transactions: a summary file is already cut at its calibration end');
    const { ids, summaries } = await readSummaryCsv(o.summary);
    return { kind: 'summary', file: o.summary, ids, summaries, unit };
  }
  if (!o.transactions) throw new LapseInputError('give --transactions FILE --calibration-end YYYY-MM-DD, or --summary FILE');
  const calibrationEndDay = parseDay('--calibration-end', o.calibrationEnd);
  const { histories } = await readTransactions(o.transactions, { idColumn: o.idColumn, dateColumn: o.dateColumn });
  requireClientsBy(o.transactions, histories, calibrationEndDay);
  return { kind: 'transactions', file: o.transactions, histories, calibrationEndDay, unit };
}

/** Nothing to fit or score when nobody had come by the calibration end: say so plainly. */
function requireClientsBy(file: string, histories: ClientHistories, day: number): void {
  for (let i = 0; i < histories.size; i++) if (histories.daysOf(i)[0] <= day) return;
  throw new LapseInputError(`${file}: no client has a visit on or before the calibration end ${formatIsoDay(day)}`);
}

function summariesOf(input: Input): { ids: string[]; summaries: BgNbdSummaries } {
  return input.kind === 'summary' ? input : summariseAll(input.histories, input.calibrationEndDay, input.unit);
}

/** RFC 4180 quoting, only where needed. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes lines to stdout in large pieces (a million clients is a million lines). */
function writeLines(lines: Iterable<string>): void {
  let buffer = '';
  for (const line of lines) {
    buffer += line + '\n';
    if (buffer.length > 1 << 16) {
      process.stdout.write(buffer);
      buffer = '';
    }
  }
  if (buffer) process.stdout.write(buffer);
}

export function registerLapse(program: Command): void {
  const lapse = program.command('lapse').description('lapse models on files: fit BG/NBD, score clients, check against a holdout period (no database)');

  withInputOptions(lapse.command('fit').description('fit the BG/NBD model; prints one JSON object')).action(async (o: InputOptions) => {
    const input = await readInput(o);
    const { ids, summaries } = summariesOf(input);
    const fit = fitBgNbd(summaries);
    const { r, alpha, a, b, logLikelihood, iterations, converged } = fit;
    console.log(JSON.stringify({ r, alpha, a, b, logLikelihood, clients: ids.length, unit: input.unit, iterations, converged }));
  });

  withThresholdOptions(
    withInputOptions(lapse.command('score').description('score every client; writes CSV: client_id,status,p_alive,expected_next_visit,days_overdue')).option(
      '--method <method>',
      'cadence (each client against their own rhythm) or bgnbd (P(alive) from the fitted model)',
      'cadence',
    ),
  ).action(async (o: InputOptions & ThresholdOptions & { method: string }) => {
    if (o.method !== 'cadence' && o.method !== 'bgnbd') throw new LapseInputError(`--method: ${JSON.stringify(o.method)} is not a method; use cadence or bgnbd`);
    const method = o.method as LapseMethod;
    const { cadence, thresholds } = parseThresholds(o);
    if (o.summary && method === 'cadence') {
      throw new LapseInputError('--method cadence needs visit dates, which a summary file does not have: use --transactions, or --method bgnbd with --summary');
    }
    const input = await readInput(o);
    const header = 'client_id,status,p_alive,expected_next_visit,days_overdue';

    if (input.kind === 'summary') {
      // No dates in a summary: the cadence columns stay empty.
      const fit = fitBgNbd(input.summaries);
      const { x, tx, T } = input.summaries;
      writeLines(
        (function* () {
          yield header;
          for (let i = 0; i < input.ids.length; i++) {
            const s = scoreBgNbd(fit, x[i], tx[i], T[i], UNIT_DAYS[input.unit], cadence, thresholds);
            yield `${csvField(input.ids[i])},${s.status},${s.pAlive.toFixed(6)},,`;
          }
        })(),
      );
      return;
    }

    const { scores } = scoreClients(input.histories, input.calibrationEndDay, { method, unit: input.unit, cadence, thresholds });
    writeLines(
      (function* () {
        yield header;
        for (const s of scores()) {
          // Whole days: the expected visit is the first whole day at or after last visit + usual gap
          // (which may end in .5), and days overdue the whole days since then, so both agree.
          const expected = Math.ceil(s.cadence.expectedNextVisitDay);
          const overdue = Math.floor(s.cadence.daysOverdue);
          yield `${csvField(s.id)},${s.status},${s.pAlive === null ? '' : s.pAlive.toFixed(6)},${formatIsoDay(expected)},${overdue}`;
        }
      })(),
    );
  });

  withThresholdOptions(
    lapse
      .command('holdout')
      .description('score everyone at the calibration end with both methods; prints JSON precision/recall of "lapsed" against "no visit until the holdout end"')
      .requiredOption('--transactions <file>', 'transactions CSV with a header: client_id, date, optional amount')
      .requiredOption('--calibration-end <date>', 'the day to judge from (YYYY-MM-DD)')
      .requiredOption('--holdout-end <date>', 'the last day of the holdout period (YYYY-MM-DD)')
      .option('--unit <unit>', 'time unit of the BG/NBD summaries: week or day', 'week')
      .option('--id-column <name>', 'client id column', 'client_id')
      .option('--date-column <name>', 'date column', 'date'),
  ).action(async (o: InputOptions & ThresholdOptions & { holdoutEnd: string }) => {
    const { cadence, thresholds } = parseThresholds(o);
    const unit = parseUnit(o.unit);
    const calibrationEndDay = parseDay('--calibration-end', o.calibrationEnd);
    const holdoutEndDay = parseDay('--holdout-end', o.holdoutEnd);
    if (!(holdoutEndDay > calibrationEndDay)) throw new LapseInputError(`--holdout-end (${o.holdoutEnd}) must be after --calibration-end (${o.calibrationEnd})`);
    const { histories } = await readTransactions(o.transactions!, { idColumn: o.idColumn, dateColumn: o.dateColumn });
    requireClientsBy(o.transactions!, histories, calibrationEndDay);
    const r = holdoutComparison(histories, calibrationEndDay, holdoutEndDay, { unit, cadence, thresholds });
    const { r: fr, alpha, a, b, logLikelihood } = r.bgnbd.fit;
    const method = (m: typeof r.cadence) => ({ lapsed: m.lapsed, atRiskOrLapsed: m.atRiskOrLapsed, statuses: m.statuses });
    console.log(
      JSON.stringify(
        {
          calibrationEnd: formatIsoDay(calibrationEndDay),
          holdoutEnd: formatIsoDay(holdoutEndDay),
          unit,
          clients: r.clients,
          eligible: r.eligible,
          noVisitInHoldout: r.noVisitInHoldout,
          cadence: { settings: cadence, ...method(r.cadence) },
          bgnbd: { thresholds, params: { r: fr, alpha, a, b, logLikelihood }, ...method(r.bgnbd) },
        },
        null,
        2,
      ),
    );
  });
}
