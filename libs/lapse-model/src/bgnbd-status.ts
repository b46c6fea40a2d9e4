/**
 * Turning BG/NBD's P(alive) into the same statuses the cadence rule gives, so the two methods can
 * be swapped per organization and compared on the same clients.
 */
import { type BgNbdParams, pAlive } from './bgnbd';
import { type CadenceSettings, isEstablished, type LapseStatus } from './cadence';

export interface BgNbdThresholds {
  /** at_risk when P(alive) falls below this. */
  atRiskBelow: number;
  /** lapsed when P(alive) falls below this (lower than atRiskBelow). */
  lapsedBelow: number;
}

export const DEFAULT_BGNBD_THRESHOLDS: Readonly<BgNbdThresholds> = Object.freeze({
  // Less likely alive than not: worth a gentle check-in.
  atRiskBelow: 0.5,
  // Fewer than one chance in three of still being a client: treat as gone, ask why.
  lapsedBelow: 0.3,
});

/**
 * Status from P(alive). A client with fewer than minVisits distinct visit days or less than
 * minTenureDays between the first and last is `new`, exactly as in the cadence rule.
 */
export function bgNbdStatus(
  pAliveValue: number,
  visits: number,
  tenureDays: number,
  settings: Pick<CadenceSettings, 'minVisits' | 'minTenureDays'>,
  thresholds: BgNbdThresholds = DEFAULT_BGNBD_THRESHOLDS,
): LapseStatus {
  if (!isEstablished(visits, tenureDays, settings)) return 'new';
  if (pAliveValue < thresholds.lapsedBelow) return 'lapsed';
  if (pAliveValue < thresholds.atRiskBelow) return 'at_risk';
  return 'active';
}

/** P(alive) and status for summaries in the fitted unit; `unitDays` converts tx to days for tenure. */
export function scoreBgNbd(
  params: BgNbdParams,
  x: number,
  tx: number,
  T: number,
  unitDays: number,
  settings: Pick<CadenceSettings, 'minVisits' | 'minTenureDays'>,
  thresholds: BgNbdThresholds = DEFAULT_BGNBD_THRESHOLDS,
): { pAlive: number; status: LapseStatus } {
  const p = pAlive(params, x, tx, T);
  return { pAlive: p, status: bgNbdStatus(p, x + 1, Math.round(tx * unitDays), settings, thresholds) };
}
