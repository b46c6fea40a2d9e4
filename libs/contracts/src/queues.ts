/**
 * Every BullMQ queue and job in Comeback, with the payload each job carries. Payloads carry ids
 * only: the row in PostgreSQL says what the work is and where it stands, so a job retried an
 * hour later acts on the current state, not on a stale copy.
 */

/**
 * What a payload (a job's, an event's) may carry besides its ids: the correlation id of the work
 * that caused it, so the job's log lines can be tied to the HTTP request (X-Request-Id), or the
 * job, that queued it: a feedback answer to its inbound job, a campaign launch to its fan-out and
 * every send job, a lapse sweep to its chunks and the events they write. It is for the logs only:
 * never part of a job id (those stay deterministic, for deduplication) and never read by business
 * logic. Nobody sets it by hand: libs/platform's observability adds the running request's or job's
 * id to everything queued through Queue#add / #addBulk, and to events written with appendEvents,
 * and the worker runs each job with it. A job queued by a job scheduler has none (its worker gives
 * it a new one, which the jobs it queues inherit); a job id already queued keeps the first id.
 */
export interface Correlated {
  correlationId?: string;
}

export enum QueueName {
  /** Nightly and on-demand lapse sweeps, and the chunks they are split into. */
  LapseSweep = 'lapse-sweep',
  /** Rebuilds of an organization's report rollups (report app), nightly and on demand. */
  ReportRollups = 'report-rollups',
  /** Campaign starts (delayed to the scheduled time): audience, rendering, fan-out; and the channel fallback sweep (campaign app). */
  Campaigns = 'campaigns',
  /** One queue per channel, consumed by the dispatcher with the channel's own rate limit. */
  SendSms = 'send-sms',
  SendEmail = 'send-email',
  SendViber = 'send-viber',
  SendVoice = 'send-voice',
  /** Inbound requests (webhooks, feedback) accepted by the response collector, processed into replies. */
  Inbound = 'inbound',
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
  /** Freezes a campaign's audience, renders its messages and enqueues one send job per message. Job id `campaign-<id>`. */
  StartCampaign = 'campaign.start',
  /**
   * Gives the messages of running campaigns that were refused, or not delivered within the
   * campaign's fallback hours, a message on the client's next channel. Enqueued every minute by a
   * job scheduler (`campaign-fallback-sweep`); runs may overlap, each fallback is written once.
   */
  FallbackSweep = 'campaign.fallback-sweep',
  /**
   * Sends one message through its channel's provider. Job id `message-<messageId>` (BullMQ refuses
   * bare integers as custom ids), so a message is never queued twice while its job exists.
   */
  SendSms = 'send.sms',
  SendEmail = 'send.email',
  SendViber = 'send.viber',
  SendVoice = 'send.voice',
  /**
   * Processes one inbound request (a provider's webhook) the response collector accepted. Job id
   * `<source>:<idempotency key>`, so a provider's retry is not queued twice. The one payload that
   * is not ids only: the request itself, since it must survive a PostgreSQL outage (Redis keeps it,
   * the worker writes it to inbound_requests when the database is back).
   */
  ProcessInbound = 'inbound.process',
}

/** Jobs a request or another job starts carry its correlation id (Correlated); the two a job scheduler alone queues do not. */
export interface JobPayloads {
  /** Queued by the organization's job scheduler only. */
  [JobName.NightlySweep]: { organizationId: string };
  [JobName.PlanSweep]: { sweepId: string } & Correlated;
  [JobName.SweepChunk]: { sweepId: string; chunkIndex: number } & Correlated;
  /** Nightly by a job scheduler (no correlation id), or asked for from the console. */
  [JobName.RefreshReportRollups]: { organizationId: string } & Correlated;
  [JobName.StartCampaign]: { campaignId: string } & Correlated;
  /** A sweep covers every running campaign: nothing to name. Queued by a job scheduler only. */
  [JobName.FallbackSweep]: Record<string, never>;
  [JobName.SendSms]: { messageId: string } & Correlated;
  [JobName.SendEmail]: { messageId: string } & Correlated;
  [JobName.SendViber]: { messageId: string } & Correlated;
  [JobName.SendVoice]: { messageId: string } & Correlated;
  [JobName.ProcessInbound]: InboundPayload;
}

/** An inbound request as accepted (signature verified) by the response collector. */
export interface InboundPayload extends Correlated {
  /** 'twilio-sms', 'twilio-status', 'twilio-voice', 'viber'. */
  source: string;
  /** The provider's id of the event (Twilio MessageSid, Viber message_token...), unique per source. */
  key: string;
  /** ISO time the request was accepted. */
  receivedAt: string;
  /** The verified request: its form or JSON fields and the query. */
  payload: Record<string, unknown>;
}

/**
 * The jobs of each queue as a type, so a processor's handler map covers exactly its own queue's
 * jobs (a job added to another queue does not change it). JOB_QUEUE must agree (its type says so).
 */
export interface QueueJobs {
  [QueueName.LapseSweep]: JobName.NightlySweep | JobName.PlanSweep | JobName.SweepChunk;
  [QueueName.ReportRollups]: JobName.RefreshReportRollups;
  [QueueName.Campaigns]: JobName.StartCampaign | JobName.FallbackSweep;
  [QueueName.SendSms]: JobName.SendSms;
  [QueueName.SendEmail]: JobName.SendEmail;
  [QueueName.SendViber]: JobName.SendViber;
  [QueueName.SendVoice]: JobName.SendVoice;
  [QueueName.Inbound]: JobName.ProcessInbound;
}

/** Which queue each job runs on. */
export const JOB_QUEUE: { readonly [J in JobName]: { [Q in QueueName]: J extends QueueJobs[Q] ? Q : never }[QueueName] } = {
  [JobName.NightlySweep]: QueueName.LapseSweep,
  [JobName.PlanSweep]: QueueName.LapseSweep,
  [JobName.SweepChunk]: QueueName.LapseSweep,
  [JobName.RefreshReportRollups]: QueueName.ReportRollups,
  [JobName.StartCampaign]: QueueName.Campaigns,
  [JobName.FallbackSweep]: QueueName.Campaigns,
  [JobName.SendSms]: QueueName.SendSms,
  [JobName.SendEmail]: QueueName.SendEmail,
  [JobName.SendViber]: QueueName.SendViber,
  [JobName.SendVoice]: QueueName.SendVoice,
  [JobName.ProcessInbound]: QueueName.Inbound,
};

/** The send queue and job of each channel. */
export const SEND_JOBS = {
  sms: { queue: QueueName.SendSms, job: JobName.SendSms },
  email: { queue: QueueName.SendEmail, job: JobName.SendEmail },
  viber: { queue: QueueName.SendViber, job: JobName.SendViber },
  voice: { queue: QueueName.SendVoice, job: JobName.SendVoice },
} as const;

/**
 * Retries of processing an inbound request: exponential from 5 s, 25 attempts, about two days in
 * all, long enough to outlast a PostgreSQL outage; a job that still fails is kept (not removed),
 * so nothing is dropped silently.
 */
export const INBOUND_JOB_OPTIONS = { attempts: 25, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: true, removeOnFail: false } as const;

/** The job id of an inbound request's job: one per source and provider event id (ids limited to safe characters). */
export const inboundJobId = (source: string, key: string) => `${source}-${key}`.replace(/[^A-Za-z0-9_.-]/g, '_');

/** The job id of a message's send job. */
export const sendJobId = (messageId: string) => `message-${messageId}`;

/** A job name with its payload, so a handler's argument is typed from the name. */
export type JobOf<J extends JobName> = { name: J; data: JobPayloads[J] };

/** Jobs that run on a queue. */
export function jobsOfQueue(queue: QueueName): JobName[] {
  return (Object.keys(JOB_QUEUE) as JobName[]).filter((job) => JOB_QUEUE[job] === queue);
}
