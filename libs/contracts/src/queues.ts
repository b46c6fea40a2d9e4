/**
 * Every BullMQ queue and job in Comeback, with the payload each job carries. Payloads carry ids
 * only: the row in PostgreSQL says what the work is and where it stands, so a job retried an
 * hour later acts on the current state, not on a stale copy.
 */
export enum QueueName {
  /** Nightly and on-demand lapse sweeps, and the chunks they are split into. */
  LapseSweep = 'lapse-sweep',
  /** Rebuilds of an organization's report rollups (report app), nightly and on demand. */
  ReportRollups = 'report-rollups',
}

export enum JobName {
  /** Enqueued by each organization's job scheduler at its local sweep time. */
  NightlySweep = 'lapse.nightly-sweep',
  /** Plans a sweep (writes its row and chunks) and enqueues the chunks. */
  PlanSweep = 'lapse.plan-sweep',
  /** Scores one range of clients of a sweep; several workers share the chunks. */
  SweepChunk = 'lapse.sweep-chunk',
  /**
   * Rebuilds one organization's report rollups. Job id `report-rollups-<organizationId>`, so
   * requests made while one is waiting coalesce into it.
   */
  RefreshReportRollups = 'report.refresh-rollups',
}

export interface JobPayloads {
  [JobName.NightlySweep]: { organizationId: string };
  [JobName.PlanSweep]: { sweepId: string };
  [JobName.SweepChunk]: { sweepId: string; chunkIndex: number };
  [JobName.RefreshReportRollups]: { organizationId: string };
}

/**
 * The jobs of each queue as a type, so a processor's handler map covers exactly its own queue's
 * jobs (a job added to another queue does not change it). JOB_QUEUE must agree (its type says so).
 */
export interface QueueJobs {
  [QueueName.LapseSweep]: JobName.NightlySweep | JobName.PlanSweep | JobName.SweepChunk;
  [QueueName.ReportRollups]: JobName.RefreshReportRollups;
}

/** Which queue each job runs on. */
export const JOB_QUEUE: { readonly [J in JobName]: { [Q in QueueName]: J extends QueueJobs[Q] ? Q : never }[QueueName] } = {
  [JobName.NightlySweep]: QueueName.LapseSweep,
  [JobName.PlanSweep]: QueueName.LapseSweep,
  [JobName.SweepChunk]: QueueName.LapseSweep,
  [JobName.RefreshReportRollups]: QueueName.ReportRollups,
};

/** A job name with its payload, so a handler's argument is typed from the name. */
export type JobOf<J extends JobName> = { name: J; data: JobPayloads[J] };

/** Jobs that run on a queue. */
export function jobsOfQueue(queue: QueueName): JobName[] {
  return (Object.keys(JOB_QUEUE) as JobName[]).filter((job) => JOB_QUEUE[job] === queue);
}
