export { DEFAULT_CADENCE_SETTINGS, median, scoreCadence, type CadenceResult, type CadenceSettings, type LapseStatus } from './cadence';
export {
  bgNbdLogLikelihood,
  expectedTransactions,
  expectedTransactionsUnconditional,
  fitBgNbd,
  pAlive,
  pAliveCrossingTime,
  type BgNbdFit,
  type BgNbdFitOptions,
  type BgNbdParams,
  type BgNbdSummaries,
} from './bgnbd';
export { bgNbdStatus, DEFAULT_BGNBD_THRESHOLDS, scoreBgNbd, type BgNbdThresholds } from './bgnbd-status';
export { simulateBgNbd, type BgNbdSimulationOptions } from './bgnbd-simulation';
export { formatIsoDay, parseIsoDay } from './calendar-day';
export { LapseInputError } from './lapse-input.error';
export { ClientHistories, readTransactions, summarise, summariseAll, UNIT_DAYS, type ClientSummary, type TimeUnit, type TransactionsReadOptions } from './transactions';
export { readSummaryCsv } from './summary-csv.reader';
export { scoreClients, type ClientScore, type LapseMethod, type ScoreOptions } from './lapse-scoring';
export { holdoutComparison, type Confusion, type HoldoutResult, type MethodHoldout } from './holdout';
