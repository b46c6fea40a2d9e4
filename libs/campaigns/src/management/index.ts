export { CampaignError } from './campaign.error';
export { CampaignManagementModule } from './campaign-management.module';
export { CampaignsService, type CampaignEstimate, type CampaignView, type SandboxEntry } from './campaigns.service';
export {
  CHANNEL, CREATE_CAMPAIGN_BODY, LOCALE, PREVIEW_TEMPLATE_BODY, RETRY_BODY, SANDBOX_REPLY_BODY, SAVE_TEMPLATE_BODY, SCHEDULE_CAMPAIGN_BODY, TEMPLATE_KEY, type CreateCampaign,
} from './inputs';
export { DUE_MS, enqueueSendJobs, fanOutLockKey, requeueQueuedMessages, SEND_JOB_OPTIONS, type WrittenMessage } from './send-jobs';
export { TEMPLATE_PART_LIMITS, TemplatesService, type SmsSampleRecipient, type StoredTemplate, type TemplatePreview } from './templates.service';
export { CAMPAIGN_OPTIONS, CAMPAIGNS_QUEUE, SEND_QUEUES, type CampaignOptions } from './tokens';
export { PUBLIC_FEEDBACK_URL_VAR } from './config';
export { finishSettledCampaigns } from './campaign-lifecycle';
