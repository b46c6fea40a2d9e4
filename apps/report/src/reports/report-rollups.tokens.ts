/** The BullMQ queue of rollup refreshes (QueueName.ReportRollups), provided by ReportsModule. */
export const REPORT_ROLLUPS_QUEUE = Symbol('REPORT_ROLLUPS_QUEUE');

/**
 * The job id of an organization's refresh: one per organization, so requests made while one is
 * waiting coalesce into it (BullMQ ignores an add whose id exists). Completed and failed jobs are
 * removed at once, so the next request after a refresh enqueues a new one.
 */
export const refreshJobId = (organizationId: string) => `report-rollups-${organizationId}`;
