import { ApiKey } from './api-key.entity';
import { AuditLogEntry } from './audit-log.entity';
import { Campaign, CampaignRecipient, MessageTemplate } from './campaign.entity';
import { Message, SandboxMessage } from './message.entity';
import { ChurnEpisode } from './churn-episode.entity';
import { ChurnReason } from './churn-reason.entity';
import { Client } from './client.entity';
import { ClientActivity } from './client-activity.entity';
import { ClientRhythm } from './client-rhythm.entity';
import { ConsentChange } from './consent-change.entity';
import { LapseModelFit, LapseSweep, LapseSweepChunk } from './lapse-sweep.entity';
import { Organization } from './organization.entity';
import { EventReceipt, OutboxEvent } from './outbox-event.entity';
import { PaymentEvent } from './payment-event.entity';
import { Service } from './service.entity';
import { StaffAccount, StaffSession } from './staff-account.entity';
import { StaffMember } from './staff-member.entity';
import { Visit } from './visit.entity';
import { CallOutcome, CallTask, FeedbackResponse, InboundRequest, Reply } from './response.entity';
import { ReasonAlias, ReasonCandidate, ReasonLabel } from './reason-list.entity';

export * from './channel';
export {
  ApiKey, AuditLogEntry, Campaign, CampaignRecipient, Message, MessageTemplate, SandboxMessage, ChurnEpisode, ChurnReason, Client, ClientActivity, ClientRhythm, ConsentChange, EventReceipt, LapseModelFit, LapseSweep,
  LapseSweepChunk, Organization, OutboxEvent, PaymentEvent, Service, StaffAccount, StaffMember, StaffSession, Visit,
  CallOutcome, CallTask, FeedbackResponse, InboundRequest, Reply, ReasonAlias, ReasonCandidate, ReasonLabel,
};
export { STAFF_ROLES, type StaffRole } from './staff-account.entity';
export { AUDIT_KINDS, type AuditKind } from './audit-log.entity';
export { RHYTHM_STATUSES, type RhythmStatus } from './client-rhythm.entity';
export {
  SWEEP_KINDS, SWEEP_STATUSES, SWEEP_TRIGGERS, type SweepKind, type SweepStatus, type SweepTrigger,
} from './lapse-sweep.entity';
export { PAYMENT_STATUSES, type PaymentStatus } from './payment-event.entity';
export {
  CHURN_TYPES, DETECTION_METHODS, EPISODE_STATUSES,
  type ChurnType, type DetectionMethod, type EpisodeStatus,
} from './churn-episode.entity';

/** Every entity, for the TypeORM data source. */
export const ENTITIES = [
  Organization, ApiKey, StaffMember, Service, Client, ConsentChange, Visit, PaymentEvent, ChurnReason, ChurnEpisode,
  ClientRhythm, LapseSweep, LapseSweepChunk, LapseModelFit, OutboxEvent, EventReceipt, ClientActivity, StaffAccount, StaffSession,
  MessageTemplate, Campaign, CampaignRecipient, Message, SandboxMessage,
  ReasonLabel, ReasonAlias, ReasonCandidate, InboundRequest, Reply, FeedbackResponse, CallTask, CallOutcome, AuditLogEntry,
];
export { CAMPAIGN_STATUSES, type CampaignStatus } from './campaign.entity';
export { MESSAGE_STATUSES, type MessageStatus } from './message.entity';
