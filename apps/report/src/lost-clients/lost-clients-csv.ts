import { csvLine, spreadsheetTextField } from '@comeback/csv';
import type { LostClientRow } from './lost-clients.service';

/** Column names are stable English identifiers, so a spreadsheet or script can rely on them whatever the console language. */
export const LOST_CLIENTS_CSV_HEADER = csvLine([
  'episode_id', 'client_id', 'name', 'phone', 'email', 'status', 'detected_at', 'last_visit_at', 'left_on', 'usual_gap_days',
  'days_overdue', 'p_alive', 'value_tier', 'revenue_12m', 'churn_type', 'gradual', 'reason', 'staff_member', 'service',
]);

const num = (n: number | null): string => (n === null || n === undefined ? '' : String(n));

export function lostClientCsvLine(r: LostClientRow): string {
  return csvLine([
    r.episodeId,
    r.clientId,
    spreadsheetTextField(r.name),
    spreadsheetTextField(r.phone),
    spreadsheetTextField(r.email),
    r.status,
    r.detectedAt.toISOString(),
    r.lastVisitAt.toISOString(),
    r.leftOn ?? '',
    num(r.usualGapDays === null ? null : Math.round(r.usualGapDays * 10) / 10),
    num(r.daysOverdue),
    num(r.pAlive === null ? null : Math.round(r.pAlive * 1000) / 1000),
    num(r.valueTier),
    r.revenue12m.toFixed(2),
    r.churnType ?? '',
    r.gradual ? 'yes' : 'no',
    spreadsheetTextField(r.reason),
    spreadsheetTextField(r.staffMember),
    spreadsheetTextField(r.service),
  ]);
}
