/** The BullMQ queue of rollup refreshes (QueueName.ReportRollups), provided by ReportsModule. */
export const REPORT_ROLLUPS_QUEUE = Symbol('REPORT_ROLLUPS_QUEUE');

/**
 * The two job ids of an organization's refresh. BullMQ ignores an add whose id exists, so a
 * request made while a refresh waits coalesces into it. A request made while one *runs* must not
 * coalesce into the running job (it would miss the data that prompted it), so it takes the other
 * id: at most one refresh runs and one waits per organization. Completed and failed jobs are
 * removed at once, which frees their id.
 */
export const refreshJobIds = (organizationId: string): [string, string] => [`report-rollups-${organizationId}`, `report-rollups-${organizationId}-next`];
