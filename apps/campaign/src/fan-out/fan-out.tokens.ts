/** The BullMQ queues the fan-out writes to: campaign starts and one send queue per channel. */
export const CAMPAIGNS_QUEUE = Symbol('CAMPAIGNS_QUEUE');
export const SEND_QUEUES = Symbol('SEND_QUEUES');
/** Options of the fan-out module (the public feedback URL). */
export const FAN_OUT_OPTIONS = Symbol('FAN_OUT_OPTIONS');

export interface FanOutOptions {
  /** Public base URL of the response collector (feedback /f/<token>, opt out /u/<token>). */
  publicFeedbackUrl: string;
}
