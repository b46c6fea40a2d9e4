/**
 * How well each method's "lapsed" call predicts that a client will not come back: score everyone
 * at the calibration end, then look at the holdout period (calibrationEnd, holdoutEnd]. The truth
 * for a client is "made no visit in the holdout". Only established (non-`new`) clients count, the
 * same ones for both methods, since both call the same clients `new`.
 *
 * Reported twice: predicting with `lapsed` alone, and with `at_risk` or `lapsed`.
 */
import type { BgNbdFit } from './bgnbd';
import type { LapseStatus } from './cadence';
import { LapseInputError } from './lapse-input.error';
import { scoreClients, type ScoreOptions } from './lapse-scoring';
import type { ClientHistories } from './transactions';

export interface Confusion {
  /** Predicted gone and made no visit in the holdout. */
  tp: number;
  /** Predicted gone but came back. */
  fp: number;
  /** Not predicted gone, and made no visit. */
  fn: number;
  tn: number;
  /** tp / (tp + fp); null when nobody was predicted gone. */
  precision: number | null;
  /** tp / (tp + fn); null when everybody came back. */
  recall: number | null;
}

export interface MethodHoldout {
  lapsed: Confusion;
  atRiskOrLapsed: Confusion;
  /** How many eligible clients got each status. */
  statuses: Record<LapseStatus, number>;
}

export interface HoldoutResult {
  /** Clients with a visit on or before the calibration end. */
  clients: number;
  /** Of those, the established ones (not `new`): the population compared. */
  eligible: number;
  /** Eligible clients with no visit in the holdout period (the positives). */
  noVisitInHoldout: number;
  cadence: MethodHoldout;
  bgnbd: MethodHoldout & { fit: BgNbdFit };
}

/** Running counts for one method. */
class Tally {
  private readonly lapsed = { tp: 0, fp: 0, fn: 0, tn: 0 };
  private readonly atRiskOrLapsed = { tp: 0, fp: 0, fn: 0, tn: 0 };
  private readonly statuses: Record<LapseStatus, number> = { active: 0, at_risk: 0, lapsed: 0, new: 0 };

  add(status: LapseStatus, gone: boolean): void {
    this.statuses[status]++;
    count(this.lapsed, status === 'lapsed', gone);
    count(this.atRiskOrLapsed, status === 'lapsed' || status === 'at_risk', gone);
  }

  result(): MethodHoldout {
    return { lapsed: rates(this.lapsed), atRiskOrLapsed: rates(this.atRiskOrLapsed), statuses: { ...this.statuses } };
  }
}

function count(c: { tp: number; fp: number; fn: number; tn: number }, predicted: boolean, gone: boolean): void {
  if (predicted && gone) c.tp++;
  else if (predicted) c.fp++;
  else if (gone) c.fn++;
  else c.tn++;
}

function rates(c: { tp: number; fp: number; fn: number; tn: number }): Confusion {
  return { ...c, precision: c.tp + c.fp ? c.tp / (c.tp + c.fp) : null, recall: c.tp + c.fn ? c.tp / (c.tp + c.fn) : null };
}

export function holdoutComparison(histories: ClientHistories, calibrationEndDay: number, holdoutEndDay: number, options: Omit<ScoreOptions, 'method'> = {}): HoldoutResult {
  if (!(holdoutEndDay > calibrationEndDay)) throw new LapseInputError('the holdout end must be after the calibration end');
  // One BG/NBD scoring run also carries each client's cadence result.
  const { scores, fit } = scoreClients(histories, calibrationEndDay, { ...options, method: 'bgnbd' });
  const cadence = new Tally();
  const bgnbd = new Tally();
  let clients = 0;
  let eligible = 0;
  let noVisit = 0;
  for (const s of scores()) {
    clients++;
    if (s.cadence.status === 'new') continue;
    eligible++;
    const gone = !histories.daysOf(s.index).some((d) => d > calibrationEndDay && d <= holdoutEndDay);
    if (gone) noVisit++;
    cadence.add(s.cadence.status, gone);
    bgnbd.add(s.status, gone);
  }
  return { clients, eligible, noVisitInHoldout: noVisit, cadence: cadence.result(), bgnbd: { ...bgnbd.result(), fit: fit! } };
}
