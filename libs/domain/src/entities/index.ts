import { ApiKey } from './api-key.entity';
import { ChurnEpisode } from './churn-episode.entity';
import { ChurnReason } from './churn-reason.entity';
import { Client } from './client.entity';
import { ConsentChange } from './consent-change.entity';
import { Organization } from './organization.entity';
import { PaymentEvent } from './payment-event.entity';
import { Service } from './service.entity';
import { StaffMember } from './staff-member.entity';
import { Visit } from './visit.entity';

export * from './channel';
export { ApiKey, ChurnEpisode, ChurnReason, Client, ConsentChange, Organization, PaymentEvent, Service, StaffMember, Visit };
export { PAYMENT_STATUSES, type PaymentStatus } from './payment-event.entity';
export {
  CHURN_TYPES, DETECTION_METHODS, EPISODE_STATUSES,
  type ChurnType, type DetectionMethod, type EpisodeStatus,
} from './churn-episode.entity';

/** Every entity, for the TypeORM data source. */
export const ENTITIES = [
  Organization, ApiKey, StaffMember, Service, Client, ConsentChange, Visit, PaymentEvent, ChurnReason, ChurnEpisode,
];
