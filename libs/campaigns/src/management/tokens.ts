/** The BullMQ queues campaigns write to: campaign starts and one send queue per channel. */
export const CAMPAIGNS_QUEUE = Symbol('CAMPAIGNS_QUEUE');
export const SEND_QUEUES = Symbol('SEND_QUEUES');
/** The response collector's inbound queue: sandbox replies go through it like real ones. */
export const INBOUND_QUEUE = Symbol('CAMPAIGNS_INBOUND_QUEUE');
/** Options of the campaign management module (the public feedback URL). */
export const CAMPAIGN_OPTIONS = Symbol('CAMPAIGN_OPTIONS');

export interface CampaignOptions {
  /** Public base URL of the response collector (feedback /f/<token>, opt out /u/<token>). */
  publicFeedbackUrl: string;
}
